//! Lesson 9's energy-based model on the plane: an MLP energy E(x) (tanh, so the landscape
//! is smooth), trained by denoising score matching: data x blurred to x̃ = x + σε, and
//! −∇E(x̃) pulled towards the direction back to x, −ε/σ; the loss is ‖σ∇E(x̃) − ε‖²
//! (Vincent, 2011). The input gradient is written out on the tape (the backward pass of
//! the MLP as ordinary operations), so training can differentiate through it. The model
//! it learns is the data blurred by σ, the link to lesson 10's diffusion.

use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::plane::Target;
use crate::nn::{Linear, Params};
use crate::tensor::{Device, Result, UnaryOp};
use serde::{Deserialize, Serialize};

/// An energy's shape and data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EbmSettings {
    pub hidden: usize,
    /// The blur of denoising score matching.
    pub sigma: f32,
    pub target: Target,
}

impl EbmSettings {
    pub fn new(target: Target) -> EbmSettings {
        EbmSettings {
            hidden: 64,
            sigma: 0.1,
            target,
        }
    }

    /// The settings changed by the reader's options: the data, "target" or "drawn".
    pub fn with_options(
        mut self,
        options: &[(String, Vec<f32>)],
    ) -> std::result::Result<Self, String> {
        for (name, values) in options {
            match Target::from_option(name, values) {
                Some(t) => self.target = t?,
                None => return Err(format!("an energy has no setting “{name}”")),
            }
        }
        Ok(self)
    }
}

/// E(x) = w₃ · tanh(W₂ tanh(W₁x + b₁) + b₂) + b₃.
#[derive(Debug)]
pub struct Energy2d {
    pub settings: EbmSettings,
    pub layers: [Linear; 3],
}

/// 1 − tanh², tanh's slope at the point whose tanh is `h`.
fn tanh_slope<'t>(h: &Var<'t>) -> Result<Var<'t>> {
    h.mul(h)?.scale(-1.0)?.unary(UnaryOp::AddScalar, 1.0)
}

impl Energy2d {
    pub fn new(settings: EbmSettings, p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let h = settings.hidden;
        let layers = [
            Linear::new(p, "e0", 2, h, rng, dev),
            Linear::new(p, "e1", h, h, rng, dev),
            Linear::new(p, "e2", h, 1, rng, dev),
        ];
        Energy2d { settings, layers }
    }

    /// The energy of points [n, 2] as [n, 1], and its gradient with respect to them
    /// [n, 2], both on the tape.
    pub fn energy_and_grad<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let [l0, l1, l2] = &self.layers;
        let h1 = l0.forward(p, x)?.unary(UnaryOp::Tanh, 0.0)?;
        let h2 = l1.forward(p, &h1)?.unary(UnaryOp::Tanh, 0.0)?;
        let e = l2.forward(p, &h2)?;
        // Backwards by hand: dE/dh₂ = w₃ᵀ, then through each tanh and weight matrix.
        let n = x.shape()[0];
        let g2 = p[l2.w]
            .transpose(0, 1)?
            .broadcast_to(&[n, self.settings.hidden])?
            .mul(&tanh_slope(&h2)?)?;
        let g1 = g2
            .matmul(&p[l1.w].transpose(0, 1)?)?
            .mul(&tanh_slope(&h1)?)?;
        let gx = g1.matmul(&p[l0.w].transpose(0, 1)?)?;
        Ok((e, gx))
    }

    /// Denoising score matching on points `x` with standard normal noise `eps` (both
    /// [n, 2]): mean over points of ‖σ∇E(x + σε) − ε‖².
    pub fn dsm_loss<'t>(&self, p: &[Var<'t>], x: &Var<'t>, eps: &Var<'t>) -> Result<Var<'t>> {
        let s = self.settings.sigma;
        let blurred = x.add(&eps.scale(s)?)?;
        let (_, g) = self.energy_and_grad(p, &blurred)?;
        let r = g.scale(s)?.sub(eps)?;
        r.mul(&r)?.mean_all()?.scale(2.0)
    }

    /// Energies and gradients of points with CPU weights.
    pub fn evaluate(&self, p: &Params, pts: &[(f64, f64)]) -> Result<(Vec<f64>, Vec<(f64, f64)>)> {
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let x = tape.leaf(crate::models::plane::points_tensor(pts, &Device::Cpu)?);
        let (e, g) = self.energy_and_grad(&vars, &x)?;
        let (e, g) = (e.value().cpu_vec()?, g.value().cpu_vec()?);
        Ok((
            e.into_iter().map(f64::from).collect(),
            g.chunks(2).map(|c| (c[0] as f64, c[1] as f64)).collect(),
        ))
    }
}
