//! Lesson 8's normalizing flows on points in the plane. A flow is a chain of invertible
//! layers f = f_K ∘ … ∘ f_1 from a data point x to a point z that should look like a
//! standard Gaussian; by the change of variables,
//! log p(x) = log N(f(x); 0, I) + Σₖ log |det ∂fₖ/∂(its input)|,
//! exact, so the flow trains by maximum likelihood. Sampling runs the chain backwards from
//! Gaussian noise. Every layer keeps the dimension (2): an invertible map cannot make room.
//!
//! The layers: RealNVP's affine coupling (one coordinate shifted and scaled by a small MLP
//! of the other: a triangular Jacobian whose log-determinant is the log-scale), and
//! Glow's two additions, ActNorm (a per-coordinate scale and shift set from the data) and
//! the invertible 1×1 convolution, which on two numbers per point is an invertible 2×2
//! matrix kept in LU form so its log-determinant is the sum of two numbers.

use crate::autodiff::{Tape, Var};
use crate::data::Rng;
pub use crate::models::plane::points_tensor;
use crate::models::plane::Target;
use crate::nn::{Mlp, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};
use serde::{Deserialize, Serialize};

/// A coupling layer's log-scale is s_max · tanh(raw / s_max): at most e^±s_max per layer,
/// so one bad step cannot blow a point to infinity.
pub const MAX_LOG_SCALE: f32 = 2.0;
/// ln 2π: the standard Gaussian in 2-D has log N(z) = −|z|²/2 − ln 2π.
pub const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// One invertible layer of a 2-D flow. `forward` is the direction from data to noise, on
/// the tape (trainable); `inverse` the way back. Points are rows of a [n, 2] tensor.
pub trait FlowLayer: std::fmt::Debug + Send + Sync {
    /// What the lesson calls it ("coupling: x₂ moved given x₁", "ActNorm", "2×2 mix (LU)").
    fn name(&self) -> String;
    /// The layer's output and each row's log |det J| as [n].
    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)>;
    /// The input that `forward` maps to `z`.
    fn inverse<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>>;
}

/// Column `i` of points [n, 2], as [n, 1].
fn col<'t>(x: &Var<'t>, i: usize) -> Result<Var<'t>> {
    x.narrow(1, i, 1)
}

/// Two columns [n, 1] back into points [n, 2].
fn join<'t>(a: &Var<'t>, b: &Var<'t>) -> Result<Var<'t>> {
    Var::concat(&[*a, *b], 1)
}

/// RealNVP's affine coupling: the coordinate `kept` passes through; the other is scaled
/// and shifted by an MLP of it: y = x·e^s(kept) + t(kept), log |det J| = s.
#[derive(Debug)]
pub struct Coupling {
    pub kept: usize,
    pub net: Mlp,
}

impl Coupling {
    /// A coupling whose MLP (1 → hidden → hidden → 2) starts at zero output: the identity.
    pub fn new(
        p: &mut Params,
        name: &str,
        kept: usize,
        hidden: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        let net = Mlp::new(p, name, &[1, hidden, hidden, 2], UnaryOp::Tanh, rng, dev);
        let last = net.layers.last().expect("three layers");
        p.values[last.w] = Tensor::zeros(&[hidden, 2], dev);
        p.values[last.b] = Tensor::zeros(&[2], dev);
        Coupling { kept, net }
    }

    /// The log-scale and shift, each [n, 1], from the kept column.
    fn scale_shift<'t>(&self, p: &[Var<'t>], kept: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let h = self.net.forward(p, kept)?;
        let s = col(&h, 0)?
            .scale(1.0 / MAX_LOG_SCALE)?
            .unary(UnaryOp::Tanh, 0.0)?
            .scale(MAX_LOG_SCALE)?;
        Ok((s, col(&h, 1)?))
    }

    fn put<'t>(&self, kept: &Var<'t>, moved: &Var<'t>) -> Result<Var<'t>> {
        if self.kept == 0 {
            join(kept, moved)
        } else {
            join(moved, kept)
        }
    }
}

impl FlowLayer for Coupling {
    fn name(&self) -> String {
        let (k, m) = if self.kept == 0 {
            ("x₁", "x₂")
        } else {
            ("x₂", "x₁")
        };
        format!("coupling: {m} moved given {k}")
    }
    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let kept = col(x, self.kept)?;
        let (s, t) = self.scale_shift(p, &kept)?;
        let moved = col(x, 1 - self.kept)?
            .mul(&s.unary(UnaryOp::Exp, 0.0)?)?
            .add(&t)?;
        let n = x.shape()[0];
        Ok((self.put(&kept, &moved)?, s.reshape(&[n])?))
    }
    fn inverse<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let kept = col(z, self.kept)?;
        let (s, t) = self.scale_shift(p, &kept)?;
        let moved = col(z, 1 - self.kept)?
            .sub(&t)?
            .mul(&s.scale(-1.0)?.unary(UnaryOp::Exp, 0.0)?)?;
        self.put(&kept, &moved)
    }
}

/// Glow's ActNorm: y = (x + b)·e^ℓ per coordinate, log |det J| = ℓ₁ + ℓ₂ for every point.
/// Initialised from data so its output starts with zero mean and unit spread.
#[derive(Debug)]
pub struct ActNorm {
    pub log_scale: usize,
    pub bias: usize,
}

impl ActNorm {
    /// Set from `pts`: b = −mean, ℓ = −ln(standard deviation), per coordinate.
    pub fn from_data(p: &mut Params, name: &str, pts: &[(f64, f64)], dev: &Device) -> Self {
        let n = pts.len().max(1) as f64;
        let stats = |f: fn(&(f64, f64)) -> f64| {
            let m = pts.iter().map(f).sum::<f64>() / n;
            let v = pts.iter().map(|q| (f(q) - m).powi(2)).sum::<f64>() / n;
            (m, v.sqrt().max(1e-3))
        };
        let (mx, sx) = stats(|q| q.0);
        let (my, sy) = stats(|q| q.1);
        let t = |v: [f64; 2]| {
            Tensor::new(v.map(|a| a as f32).to_vec(), &[1, 2], dev).expect("two numbers")
        };
        ActNorm {
            log_scale: p.add(format!("{name}.log_scale"), t([-sx.ln(), -sy.ln()])),
            bias: p.add(format!("{name}.bias"), t([-mx, -my])),
        }
    }
}

impl FlowLayer for ActNorm {
    fn name(&self) -> String {
        "ActNorm".into()
    }
    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let l = &p[self.log_scale];
        let y = x.add(&p[self.bias])?.mul(&l.unary(UnaryOp::Exp, 0.0)?)?;
        let n = x.shape()[0];
        let logdet = l.sum(1)?.reshape(&[1])?.broadcast_to(&[n])?;
        Ok((y, logdet))
    }
    fn inverse<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let l = &p[self.log_scale];
        z.mul(&l.scale(-1.0)?.unary(UnaryOp::Exp, 0.0)?)?
            .sub(&p[self.bias])
    }
}

/// Glow's invertible 1×1 convolution on two channels: y = W x with W = L U,
/// L = [[1, 0], [l, 1]], U = [[σ₁e^{ℓ₁}, u], [0, σ₂e^{ℓ₂}]] (signs σ fixed at the start).
/// log |det W| = ℓ₁ + ℓ₂: the cheap determinant LU form buys.
#[derive(Debug)]
pub struct Mix {
    pub lower: usize,
    pub upper: usize,
    pub log_diag: usize,
    pub signs: [f32; 2],
}

impl Mix {
    /// W starts as a random rotation, written in LU form.
    pub fn new(p: &mut Params, name: &str, rng: &mut Rng, dev: &Device) -> Self {
        let a = rng.uniform() * std::f64::consts::TAU;
        let (c, s) = (a.cos(), a.sin());
        // [[c, −s], [s, c]] = L U with U = [[c, −s], [0, 1/c]] and l = s/c; a rotation
        // with cos near 0 is nudged so the pivot stays well away from zero.
        let c = if c.abs() < 0.2 { 0.2f64.copysign(c) } else { c };
        let (l, u, d1, d2) = (s / c, -s, c, 1.0 / c);
        let one = |v: f64| Tensor::new(vec![v as f32], &[1, 1], dev).expect("one number");
        Mix {
            lower: p.add(format!("{name}.lower"), one(l)),
            upper: p.add(format!("{name}.upper"), one(u)),
            log_diag: p.add(
                format!("{name}.log_diag"),
                Tensor::new(
                    vec![d1.abs().ln() as f32, d2.abs().ln() as f32],
                    &[1, 2],
                    dev,
                )
                .expect("two numbers"),
            ),
            signs: [d1.signum() as f32, d2.signum() as f32],
        }
    }

    /// U's diagonal entries, each [1, 1].
    fn diag<'t>(&self, p: &[Var<'t>]) -> Result<(Var<'t>, Var<'t>)> {
        let e = p[self.log_diag].unary(UnaryOp::Exp, 0.0)?;
        Ok((
            col(&e, 0)?.scale(self.signs[0])?,
            col(&e, 1)?.scale(self.signs[1])?,
        ))
    }
}

impl FlowLayer for Mix {
    fn name(&self) -> String {
        "2×2 mix (LU)".into()
    }
    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let (s1, s2) = self.diag(p)?;
        let (l, u) = (&p[self.lower], &p[self.upper]);
        let (x1, x2) = (col(x, 0)?, col(x, 1)?);
        // U x, then L (U x).
        let w1 = x1.mul(&s1)?.add(&x2.mul(u)?)?;
        let w2 = x2.mul(&s2)?;
        let y2 = w2.add(&w1.mul(l)?)?;
        let n = x.shape()[0];
        let logdet = p[self.log_diag].sum(1)?.reshape(&[1])?.broadcast_to(&[n])?;
        Ok((join(&w1, &y2)?, logdet))
    }
    fn inverse<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let (s1, s2) = self.diag(p)?;
        let (l, u) = (&p[self.lower], &p[self.upper]);
        let (z1, z2) = (col(z, 0)?, col(z, 1)?);
        let w2 = z2.sub(&z1.mul(l)?)?;
        let x2 = w2.div(&s2)?;
        let x1 = z1.sub(&x2.mul(u)?)?.div(&s1)?;
        join(&x1, &x2)
    }
}

/// A flow's shape and data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowSettings {
    /// Coupling layers (alternating which coordinate moves).
    pub couplings: usize,
    pub hidden: usize,
    /// Glow's pieces: ActNorm and a 2×2 mix before every coupling.
    pub glow: bool,
    pub target: Target,
}

impl FlowSettings {
    pub fn realnvp(target: Target) -> Self {
        FlowSettings {
            couplings: 8,
            hidden: 32,
            glow: false,
            target,
        }
    }

    pub fn glow(target: Target) -> Self {
        FlowSettings {
            glow: true,
            ..FlowSettings::realnvp(target)
        }
    }

    /// The settings changed by the reader's options: "glow" (0 or 1) and the data,
    /// "target" / "drawn" as for lesson 6's GAN.
    pub fn with_options(
        mut self,
        options: &[(String, Vec<f32>)],
    ) -> std::result::Result<Self, String> {
        for (name, values) in options {
            if let Some(t) = Target::from_option(name, values) {
                self.target = t?;
            } else if name == "glow" {
                match values.as_slice() {
                    [v] if (0.0..=1.0).contains(v) => self.glow = *v >= 0.5,
                    _ => return Err(format!("the setting “glow” takes 0 or 1, not {values:?}")),
                }
            } else {
                return Err(format!("a flow has no setting “{name}”"));
            }
        }
        Ok(self)
    }
}

/// Points drawn from the flow's data for ActNorm's start.
const INIT_POINTS: usize = 1024;

/// A 2-D flow: its layers in the data-to-noise order.
#[derive(Debug)]
pub struct Flow2d {
    pub settings: FlowSettings,
    pub layers: Vec<Box<dyn FlowLayer>>,
}

impl Flow2d {
    pub fn new(settings: FlowSettings, p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let mut layers: Vec<Box<dyn FlowLayer>> = Vec::new();
        // ActNorm layers are set from the data as it stands where they sit: the first
        // from the data, later ones from the points the layers before them make (at the
        // start those are ActNorm's output and identity couplings, so one pass of
        // statistics is enough: the data standardised).
        let data = settings.target.sample(INIT_POINTS, rng);
        let standard = standardised(&data);
        for k in 0..settings.couplings {
            if settings.glow {
                let pts = if k == 0 { &data } else { &standard };
                layers.push(Box::new(ActNorm::from_data(
                    p,
                    &format!("norm{k}"),
                    pts,
                    dev,
                )));
                layers.push(Box::new(Mix::new(p, &format!("mix{k}"), rng, dev)));
            }
            layers.push(Box::new(Coupling::new(
                p,
                &format!("coupling{k}"),
                k % 2,
                settings.hidden,
                rng,
                dev,
            )));
        }
        Flow2d { settings, layers }
    }

    /// x → z through every layer: z [n, 2] and log |det J| of the whole map per row [n].
    pub fn to_noise<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let n = x.shape()[0];
        let mut h = *x;
        let mut logdet = x.tape().leaf(Tensor::zeros(&[n], &x.value().device()));
        for l in &self.layers {
            let (y, ld) = l.forward(p, &h)?;
            h = y;
            logdet = logdet.add(&ld)?;
        }
        Ok((h, logdet))
    }

    /// log p(x) per row [n], exact.
    pub fn log_density<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let (z, logdet) = self.to_noise(p, x)?;
        let n = x.shape()[0];
        z.mul(&z)?
            .sum(1)?
            .reshape(&[n])?
            .scale(-0.5)?
            .unary(UnaryOp::AddScalar, -LN_2PI as f32)?
            .add(&logdet)
    }

    /// The training loss: mean negative log-likelihood in nats per point.
    pub fn nll<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        self.log_density(p, x)?.mean_all()?.scale(-1.0)
    }

    /// z → x through every layer backwards.
    pub fn to_data<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let mut h = *z;
        for l in self.layers.iter().rev() {
            h = l.inverse(p, &h)?;
        }
        Ok(h)
    }

    /// Names of the layers, data side first.
    pub fn layer_names(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.name()).collect()
    }

    /// Every point after each layer, from data to noise (`from_data`) or from noise to
    /// data: stage 0 is the input, stage k the points after k layers in that direction.
    /// Also each layer's log |det J| at each point, data to noise ([] from noise). CPU
    /// weights only (the values are read back directly): the page's calls.
    pub fn stages(
        &self,
        p: &Params,
        pts: &[(f64, f64)],
        from_data: bool,
    ) -> Result<(Vec<Vec<(f64, f64)>>, Vec<Vec<f64>>)> {
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let dev = p.values.first().map_or(Device::Cpu, |v| v.device());
        let mut h = tape.leaf(points_tensor(pts, &dev)?);
        let mut stages = vec![pts.to_vec()];
        let mut logdets = Vec::new();
        let order: Vec<&Box<dyn FlowLayer>> = if from_data {
            self.layers.iter().collect()
        } else {
            self.layers.iter().rev().collect()
        };
        for l in order {
            if from_data {
                let (y, ld) = l.forward(&vars, &h)?;
                logdets.push(ld.value().cpu_vec()?.into_iter().map(f64::from).collect());
                h = y;
            } else {
                h = l.inverse(&vars, &h)?;
            }
            stages.push(pairs(&h.value().cpu_vec()?));
        }
        Ok((stages, logdets))
    }
}

fn pairs(v: &[f32]) -> Vec<(f64, f64)> {
    v.chunks(2).map(|c| (c[0] as f64, c[1] as f64)).collect()
}

/// Points shifted and scaled to zero mean and unit spread per coordinate.
fn standardised(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = pts.len().max(1) as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sx = (pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(1e-3);
    let sy = (pts.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(1e-3);
    pts.iter()
        .map(|p| ((p.0 - mx) / sx, (p.1 - my) / sy))
        .collect()
}
