//! Lesson 6's GAN on points in the plane: a generator MLP from Gaussian noise to (x, y)
//! and a discriminator MLP from (x, y) to a logit, trained against each other (the
//! counterfeiter and the detective). What the lesson switches: the generator's loss (the
//! original minimax one, which saturates, or the non-saturating one), the R1 gradient
//! penalty on the discriminator (Mescheder et al., 2018), learning rates and Adam's β₁.
//! The ring's mode coverage is here too; the data sets themselves are in `plane`.

use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::nn::{Linear, Params};
use crate::tensor::{BinaryOp, Device, Result, Tensor, UnaryOp};
use crate::train::LossParts;
use serde::{Deserialize, Serialize};

pub use super::plane::{ring_mode, Target, RING_MODES, RING_RADIUS, RING_SD};

/// A generated point is near a mode within this many of the ring's standard deviations.
pub const NEAR_SDS: f64 = 3.0;
/// A mode is covered when it holds at least this share of the samples: a quarter of the
/// share each mode has under the data.
pub const MODE_SHARE: f64 = 0.25 / RING_MODES as f64;
/// LeakyReLU's slope below zero in the discriminator (DCGAN's choice).
pub const LEAKY_SLOPE: f32 = 0.2;

/// How well samples cover the ring: samples near each mode, the modes holding at least
/// [`MODE_SHARE`] of them, and the share of samples near any mode (quality).
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    pub per_mode: [usize; RING_MODES],
    pub covered: usize,
    pub quality: f64,
}

pub fn ring_coverage(samples: &[(f64, f64)]) -> Coverage {
    let mut per_mode = [0; RING_MODES];
    let near = NEAR_SDS * RING_SD;
    for &(x, y) in samples {
        let closest = (0..RING_MODES)
            .map(|i| {
                let (cx, cy) = ring_mode(i);
                (i, (x - cx).hypot(y - cy))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, d)) = closest {
            if d <= near {
                per_mode[i] += 1;
            }
        }
    }
    let n = samples.len().max(1) as f64;
    Coverage {
        per_mode,
        covered: per_mode
            .iter()
            .filter(|&&c| c as f64 >= MODE_SHARE * n)
            .count(),
        quality: per_mode.iter().sum::<usize>() as f64 / n,
    }
}

/// The generator's objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GeneratorLoss {
    /// Goodfellow et al.'s minimax game: the generator minimises log(1 − D(G(z))). Its
    /// gradient vanishes exactly when the generator is losing badly.
    Minimax,
    /// The generator maximises log D(G(z)) instead: the same fixed point, strong gradients
    /// early on.
    NonSaturating,
}

/// A 2-D GAN's shape and training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GanSettings {
    pub noise_dim: usize,
    pub hidden: usize,
    pub loss: GeneratorLoss,
    /// γ of the R1 penalty γ/2 · E‖∇ₓD(x)‖² on real points (0: none).
    pub r1: f32,
    pub lr_d: f32,
    pub lr_g: f32,
    /// Adam's β₁ for both networks (DCGAN: 0.5); β₂ is 0.999.
    pub beta1: f32,
    pub batch: usize,
    /// The real distribution.
    pub target: Target,
}

impl GanSettings {
    /// The fix: the non-saturating loss, the R1 penalty, DCGAN's Adam, and a discriminator
    /// that learns at twice the generator's rate (Heusel et al.'s two time-scale rule).
    pub fn stable() -> GanSettings {
        GanSettings {
            noise_dim: 2,
            hidden: 64,
            loss: GeneratorLoss::NonSaturating,
            r1: 0.1,
            lr_d: 2e-3,
            lr_g: 1e-3,
            beta1: 0.5,
            batch: 256,
            target: Target::Ring,
        }
    }

    /// These settings changed by the reader's choices: named lists of numbers, as the page
    /// sends them with a training run. "lr_d", "lr_g" (each network's learning rate),
    /// "beta1" (Adam's β₁), "r1" (γ; 0: no penalty), "noise_dim", "minimax" (1: the
    /// saturating loss, 0: the non-saturating one), and the data, "target" or "drawn"
    /// ([`Target::from_option`]). A name it does
    /// not know, or a value out of range, is refused with a reason.
    pub fn with_options(
        mut self,
        options: &[(String, Vec<f32>)],
    ) -> std::result::Result<Self, String> {
        for (name, values) in options {
            if let Some(t) = Target::from_option(name, values) {
                self.target = t?;
                continue;
            }
            let one = |lo: f32, hi: f32| match values.as_slice() {
                [v] if (lo..=hi).contains(v) => Ok(*v),
                _ => Err(format!(
                    "the setting “{name}” takes one number from {lo} to {hi}, not {values:?}"
                )),
            };
            match name.as_str() {
                "lr_d" => self.lr_d = one(1e-5, 0.1)?,
                "lr_g" => self.lr_g = one(1e-5, 0.1)?,
                "beta1" => self.beta1 = one(0.0, 0.99)?,
                "r1" => self.r1 = one(0.0, 10.0)?,
                "noise_dim" => self.noise_dim = one(1.0, 16.0)?.round() as usize,
                "minimax" => {
                    self.loss = if one(0.0, 1.0)? >= 0.5 {
                        GeneratorLoss::Minimax
                    } else {
                        GeneratorLoss::NonSaturating
                    }
                }
                _ => return Err(format!("a 2-D GAN has no setting called “{name}”")),
            }
        }
        Ok(self)
    }

    /// These settings as [`GanSettings::with_options`] reads them (what the page sends).
    pub fn options(&self) -> Vec<(String, Vec<f32>)> {
        let one = |name: &str, v: f32| (name.to_string(), vec![v]);
        let mut out = vec![
            one("lr_d", self.lr_d),
            one("lr_g", self.lr_g),
            one("beta1", self.beta1),
            one("r1", self.r1),
            one("noise_dim", self.noise_dim as f32),
            one("minimax", f32::from(self.loss == GeneratorLoss::Minimax)),
        ];
        out.push(self.target.option());
        out
    }

    /// Mode collapse on the ring: a generator that learns ten times faster than the
    /// discriminator chases whatever the detective currently likes best, so the fakes pile
    /// onto one mode and hop; no penalty, Adam's usual β₁.
    pub fn collapse() -> GanSettings {
        GanSettings {
            r1: 0.0,
            lr_d: 1e-3,
            lr_g: 1e-2,
            beta1: 0.9,
            ..GanSettings::stable()
        }
    }
}

/// The two networks.
#[derive(Clone, Debug)]
pub struct Gan2d {
    pub settings: GanSettings,
    g: Vec<Linear>,
    d: Vec<Linear>,
}

impl Gan2d {
    pub fn new(settings: GanSettings, p: &mut Params, rng: &mut Rng, dev: &Device) -> Gan2d {
        let h = settings.hidden;
        let layers = |p: &mut Params, rng: &mut Rng, name: &str, sizes: &[usize]| -> Vec<Linear> {
            sizes
                .windows(2)
                .enumerate()
                .map(|(i, w)| Linear::new(p, &format!("{name}.{i}"), w[0], w[1], rng, dev))
                .collect()
        };
        let g = layers(p, rng, "g", &[settings.noise_dim, h, h, 2]);
        let d = layers(p, rng, "d", &[2, h, h, 1]);
        Gan2d { settings, g, d }
    }

    fn indices(layers: &[Linear]) -> Vec<usize> {
        layers.iter().flat_map(|l| [l.w, l.b]).collect()
    }
    /// The discriminator's parameters (its group in training).
    pub fn d_params(&self) -> Vec<usize> {
        Self::indices(&self.d)
    }
    /// The generator's parameters.
    pub fn g_params(&self) -> Vec<usize> {
        Self::indices(&self.g)
    }

    /// G(z): noise rows [n, noise_dim] to points [n, 2].
    pub fn generate<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let mut h = *z;
        for (i, l) in self.g.iter().enumerate() {
            h = l.forward(p, &h)?;
            if i + 1 < self.g.len() {
                h = h.unary(UnaryOp::Relu, 0.0)?;
            }
        }
        Ok(h)
    }

    /// D's logit for points [n, 2]: [n, 1].
    pub fn critic<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        Ok(self.critic_with_slopes(p, x)?.0)
    }

    /// D's logit and, for each hidden layer, LeakyReLU's slope at every unit (1 or
    /// [`LEAKY_SLOPE`]): what the input gradient needs.
    fn critic_with_slopes<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Vec<Tensor>)> {
        let mut h = *x;
        let mut slopes = Vec::new();
        for (i, l) in self.d.iter().enumerate() {
            h = h.matmul(&p[l.w])?.add(&p[l.b])?;
            if i + 1 < self.d.len() {
                let v = h.value();
                let above = v.binary(BinaryOp::Gt, &Tensor::zeros(&[1], &v.device()))?;
                slopes.push(
                    above
                        .unary(UnaryOp::MulScalar, 1.0 - LEAKY_SLOPE)
                        .unary(UnaryOp::AddScalar, LEAKY_SLOPE),
                );
                h = h.unary(UnaryOp::LeakyRelu, LEAKY_SLOPE)?;
            }
        }
        Ok((h, slopes))
    }

    /// ∇ₓD(x) for every row of `x` [n, 2], as an expression on the tape (the chain rule
    /// through the layers written out: W₁ · diag(φ′) · W₂ · diag(φ′) · w₃), so that it can
    /// itself be differentiated with respect to the weights, as the R1 penalty needs. The
    /// slopes φ′ are constant almost everywhere, so they carry no gradient.
    pub fn input_gradient<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let (_, slopes) = self.critic_with_slopes(p, x)?;
        let tape = x.tape();
        let n = x.shape()[0];
        // Back from the logit: dD/dh for the last hidden layer is w_last broadcast over rows.
        let last = self.d.last().expect("the discriminator has layers");
        let mut g = p[last.w]
            .transpose(0, 1)?
            .broadcast_to(&[n, self.settings.hidden])?;
        for (l, slope) in self.d[..self.d.len() - 1].iter().zip(&slopes).rev() {
            g = g.mul(&tape.leaf(slope.clone()))?;
            g = g.matmul(&p[l.w].transpose(0, 1)?)?;
        }
        Ok(g)
    }

    /// The discriminator's loss on a batch of real points and noise: −log D(x) −
    /// log(1 − D(G(z))), averaged, plus the R1 penalty when set; parts "real", "fake" and
    /// "r1".
    pub fn d_loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        real: Tensor,
        z: Tensor,
    ) -> Result<LossParts<'t>> {
        let fake = self.generate(p, &tape.leaf(z))?.value();
        let real = tape.leaf(real);
        let on_real = self.critic(p, &real)?;
        let on_fake = self.critic(p, &tape.leaf(fake))?;
        let (real_part, fake_part) = detective_loss(&on_real, &on_fake)?;
        let mut loss = real_part.add(&fake_part)?;
        let mut parts = vec![("real".into(), real_part), ("fake".into(), fake_part)];
        if self.settings.r1 > 0.0 {
            let g = self.input_gradient(p, &real)?;
            let n = g.shape()[0];
            let r1 = g
                .mul(&g)?
                .reshape(&[2 * n])?
                .sum(0)?
                .reshape(&[])?
                .scale(0.5 * self.settings.r1 / n as f32)?;
            loss = loss.add(&r1)?;
            parts.push(("r1".into(), r1));
        }
        Ok((loss, parts))
    }

    /// The generator's loss on a batch of noise.
    pub fn g_loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], z: Tensor) -> Result<LossParts<'t>> {
        let a = self.critic(p, &self.generate(p, &tape.leaf(z))?)?;
        Ok((forger_loss(&a, self.settings.loss)?, vec![]))
    }
}

/// The detective's two losses on its logits for real points and for fakes:
/// −log D(x) and −log(1 − D(G(z))), each averaged (its total is their sum).
pub fn detective_loss<'t>(on_real: &Var<'t>, on_fake: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
    // −log σ(a) = softplus(−a); −log(1 − σ(a)) = softplus(a).
    let real = on_real
        .scale(-1.0)?
        .unary(UnaryOp::Softplus, 0.0)?
        .mean_all()?;
    let fake = on_fake.unary(UnaryOp::Softplus, 0.0)?.mean_all()?;
    Ok((real, fake))
}

/// The forger's loss on the detective's logits for its fakes, averaged.
pub fn forger_loss<'t>(on_fake: &Var<'t>, kind: GeneratorLoss) -> Result<Var<'t>> {
    match kind {
        // log(1 − σ(a)) = −softplus(a)
        GeneratorLoss::Minimax => on_fake
            .unary(UnaryOp::Softplus, 0.0)?
            .mean_all()?
            .scale(-1.0),
        // −log σ(a) = softplus(−a)
        GeneratorLoss::NonSaturating => on_fake
            .scale(-1.0)?
            .unary(UnaryOp::Softplus, 0.0)?
            .mean_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_the_trip_through_options() {
        let mut s = GanSettings::collapse();
        s.noise_dim = 4;
        s.loss = GeneratorLoss::Minimax;
        s.target = Target::Drawn(vec![(0.1, 0.2), (-0.5, 0.25)]);
        let back = GanSettings::stable().with_options(&s.options()).unwrap();
        assert_eq!(back, s);
        for t in [Target::Ring, Target::Moons, Target::SwissRoll, Target::Land] {
            let s = GanSettings {
                target: t,
                ..GanSettings::stable()
            };
            assert_eq!(GanSettings::stable().with_options(&s.options()).unwrap(), s);
        }
        let empty = vec![("drawn".to_string(), vec![])];
        assert!(GanSettings::stable().with_options(&empty).is_err());
    }

    #[test]
    fn a_drawn_distribution_is_sampled_near_its_points() {
        let pts = vec![(0.5f32, -0.5f32), (-0.25, 0.75)];
        let s = Target::Drawn(pts.clone()).sample(200, &mut Rng::new(1));
        assert!(s.iter().all(|&(x, y)| pts
            .iter()
            .any(|&(px, py)| (x - px as f64).hypot(y - py as f64) < 0.15)));
    }
}
