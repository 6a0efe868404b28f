//! Lesson 6's convolutional GAN on Avatar World (after Radford et al.'s DCGAN): a
//! generator from Gaussian noise through transposed convolutions (4×4 → 8×8 → 16×16 →
//! 32×32, group norm and ReLU between, tanh out) and a discriminator of strided
//! convolutions with LeakyReLU, trained against each other with the non-saturating loss
//! and DCGAN's Adam (β₁ = 0.5). Before its last layer the discriminator also sees how much
//! the batch it judges varies (Karras et al.'s minibatch standard deviation, 2018): a
//! generator that draws one person over and over is caught by that alone. Images are
//! channel-first, in [−1, 1].

use crate::autodiff::{Tape, Var};
use crate::data::{draw, Rng};
use crate::models::autoencoder::AVATAR_D;
use crate::models::gan2d::{detective_loss, forger_loss, GeneratorLoss, LEAKY_SLOPE};
use crate::nn::layers::{Conv2d, ConvSpec, ConvTranspose2d, GroupNorm};
use crate::nn::{Linear, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};
use crate::train::LossParts;

/// Length of the generator's noise vector.
pub const GAN_NOISE: usize = 32;
/// Channels at 4×4, 8×8 and 16×16 (the generator's way up; the discriminator's way down
/// mirrors them).
const CH: [usize; 3] = [96, 48, 24];
/// Groups of each group norm in the generator.
const GROUPS: usize = 8;
/// DCGAN's Adam β₁.
pub const DCGAN_BETA1: f32 = 0.5;
/// The start of every generator parameter's name (the discriminator's start "d.").
pub const GENERATOR_PREFIX: &str = "g.";

/// The two networks.
#[derive(Clone, Debug)]
pub struct Dcgan {
    expand: Linear,
    norms: [GroupNorm; 3],
    ups: [ConvTranspose2d; 3],
    downs: [Conv2d; 3],
    head: Linear,
    g: Vec<usize>,
    d: Vec<usize>,
}

impl Dcgan {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Dcgan {
        let first = p.values.len();
        let expand = Linear::new(
            p,
            &format!("{GENERATOR_PREFIX}expand"),
            GAN_NOISE,
            CH[0] * 16,
            rng,
            dev,
        );
        let norms = [0, 1, 2]
            .map(|i| GroupNorm::new(p, &format!("{GENERATOR_PREFIX}norm{i}"), GROUPS, CH[i], dev));
        let outs = [CH[1], CH[2], 3];
        let ups = [0, 1, 2].map(|i| {
            ConvTranspose2d::new(
                p,
                &format!("{GENERATOR_PREFIX}up{i}"),
                ConvSpec::halving(CH[i], outs[i]),
                rng,
                dev,
            )
        });
        let mid = p.values.len();
        let ins = [3, CH[2], CH[1]];
        let downs = [0, 1, 2].map(|i| {
            Conv2d::new(
                p,
                &format!("d.down{i}"),
                ConvSpec::halving(ins[i], CH[2 - i]),
                rng,
                dev,
            )
        });
        let head = Linear::new(p, "d.head", CH[0] * 16 + 1, 1, rng, dev);
        let end = p.values.len();
        Dcgan {
            expand,
            norms,
            ups,
            downs,
            head,
            g: (first..mid).collect(),
            d: (mid..end).collect(),
        }
    }

    /// The generator's parameters (its group in training).
    pub fn g_params(&self) -> Vec<usize> {
        self.g.clone()
    }
    /// The discriminator's parameters.
    pub fn d_params(&self) -> Vec<usize> {
        self.d.clone()
    }

    /// G(z): noise [n, GAN_NOISE] → images [n, 3·32·32] in [−1, 1].
    pub fn generate<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let n = z.shape()[0];
        let mut h = self.expand.forward(p, z)?.reshape(&[n, CH[0], 4, 4])?;
        for (norm, up) in self.norms.iter().zip(&self.ups) {
            h = norm.forward(p, &h)?.unary(UnaryOp::Relu, 0.0)?;
            h = up.forward(p, &h)?;
        }
        h.unary(UnaryOp::Tanh, 0.0)?.reshape(&[n, AVATAR_D])
    }

    /// D's logit for a batch of images [n, 3·32·32] in [−1, 1]: [n, 1]. The batch is
    /// judged together: its features' standard deviation over the batch, averaged, is one
    /// more input of the last layer.
    pub fn critic<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let n = x.shape()[0];
        let mut h = x.reshape(&[n, 3, draw::SIZE, draw::SIZE])?;
        for c in &self.downs {
            h = c.forward(p, &h)?.unary(UnaryOp::LeakyRelu, LEAKY_SLOPE)?;
        }
        let f = h.reshape(&[n, CH[0] * 16])?;
        let centred = f.sub(&f.mean(0)?)?;
        let spread = centred
            .mul(&centred)?
            .mean(0)?
            .unary(UnaryOp::AddScalar, 1e-8)?
            .unary(UnaryOp::Sqrt, 0.0)?
            .mean_all()?
            .reshape(&[1, 1])?
            .broadcast_to(&[n, 1])?;
        self.head.forward(p, &Var::concat(&[f, spread], 1)?)
    }

    /// The discriminator's loss on real images and noise: −log D(x) − log(1 − D(G(z))),
    /// averaged; parts "real" and "fake". The fakes are constants here: only D learns.
    pub fn d_loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        real: Tensor,
        z: Tensor,
    ) -> Result<LossParts<'t>> {
        let fake = self.generate(p, &tape.leaf(z))?.value();
        let on_real = self.critic(p, &tape.leaf(real))?;
        let on_fake = self.critic(p, &tape.leaf(fake))?;
        let (real_part, fake_part) = detective_loss(&on_real, &on_fake)?;
        Ok((
            real_part.add(&fake_part)?,
            vec![("real".into(), real_part), ("fake".into(), fake_part)],
        ))
    }

    /// The generator's non-saturating loss on noise: −log D(G(z)), averaged.
    pub fn g_loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], z: Tensor) -> Result<LossParts<'t>> {
        let a = self.critic(p, &self.generate(p, &tape.leaf(z))?)?;
        Ok((forger_loss(&a, GeneratorLoss::NonSaturating)?, vec![]))
    }
}

/// Pixel values in [0, 1] → the GAN's [−1, 1].
pub fn to_signed(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| 2.0 * v - 1.0).collect()
}
