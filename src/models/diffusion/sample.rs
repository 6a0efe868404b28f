//! The reverse process: what a sampler needs of a denoiser ([`EpsModel`]), classifier-free
//! guidance, and the DDPM (also respaced) and DDIM steps.

use super::schedule::Schedule;
use crate::nn::Params;
use crate::tensor::{BinaryOp, Result, Tensor};

/// What a sampler needs from a denoiser: the predicted noise for a batch at timestep `t`.
pub trait EpsModel {
    /// `x` is `[N, …]`; `cond` is one row of feature values per sample (`None` = no
    /// condition), or empty for an unconditional model.
    fn eps(
        &self,
        params: &Params,
        x: &Tensor,
        t: usize,
        cond: &[[Option<u8>; 5]],
    ) -> Result<Tensor>;
}

/// Classifier-free guidance: ε = ε_u + w (ε_c − ε_u), both predicted in one batch.
pub fn guided_eps<M: EpsModel>(
    m: &M,
    params: &Params,
    x: &Tensor,
    t: usize,
    cond: &[[Option<u8>; 5]],
    w: f32,
) -> Result<Tensor> {
    let n = x.shape()[0];
    if cond.is_empty() || w == 0.0 {
        let none = vec![[None; 5]; if cond.is_empty() { 0 } else { n }];
        return m.eps(params, x, t, &none);
    }
    if w == 1.0 {
        return m.eps(params, x, t, cond);
    }
    let mut both: Vec<[Option<u8>; 5]> = cond.to_vec();
    both.extend(std::iter::repeat_n([None; 5], n));
    let e = m.eps(
        params,
        &Tensor::concat(&[x.clone(), x.clone()], 0)?,
        t,
        &both,
    )?;
    let (ec, eu) = (e.narrow(0, 0, n)?, e.narrow(0, n, n)?);
    let dev = x.device();
    eu.add(&ec.sub(&eu)?.mul(&Tensor::full(w, &[], &dev))?)
}

/// The prediction of x₀ from x_t and ε: (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t, optionally clipped.
pub fn predict_x0(s: &Schedule, x: &Tensor, eps: &Tensor, t: usize, clip: bool) -> Result<Tensor> {
    let dev = x.device();
    let ab = s.ab(t);
    let x0 = x
        .sub(&eps.mul(&Tensor::full((1.0 - ab).sqrt() as f32, &[], &dev))?)?
        .mul(&Tensor::full((1.0 / ab.sqrt()) as f32, &[], &dev))?;
    if clip {
        x0.binary(BinaryOp::Max, &Tensor::full(-1.0, &[], &dev))?
            .binary(BinaryOp::Min, &Tensor::full(1.0, &[], &dev))
    } else {
        Ok(x0)
    }
}

/// One ancestral DDPM step t → t − 1 from a predicted ε: the posterior mean given the
/// predicted x₀, plus noise of the posterior's variance (none at t = 1).
pub fn ddpm_step(
    s: &Schedule,
    x: &Tensor,
    eps: &Tensor,
    t: usize,
    clip: bool,
    noise_seed: u64,
) -> Result<(Tensor, Tensor)> {
    ancestral(s, x, eps, t, s.posterior(t), clip, noise_seed)
}

/// An ancestral step from t straight to `prev` (< t): DDPM with fewer steps than T.
pub fn ddpm_step_to(
    s: &Schedule,
    x: &Tensor,
    eps: &Tensor,
    t: usize,
    prev: usize,
    clip: bool,
    noise_seed: u64,
) -> Result<(Tensor, Tensor)> {
    ancestral(s, x, eps, t, s.posterior_between(t, prev), clip, noise_seed)
}

fn ancestral(
    s: &Schedule,
    x: &Tensor,
    eps: &Tensor,
    t: usize,
    (c0, ct, var): (f64, f64, f64),
    clip: bool,
    noise_seed: u64,
) -> Result<(Tensor, Tensor)> {
    let dev = x.device();
    let x0 = predict_x0(s, x, eps, t, clip)?;
    let mut next = x0
        .mul(&Tensor::full(c0 as f32, &[], &dev))?
        .add(&x.mul(&Tensor::full(ct as f32, &[], &dev))?)?;
    if var > 0.0 {
        let z = Tensor::random(x.shape(), noise_seed, true, &dev);
        next = next.add(&z.mul(&Tensor::full(var.sqrt() as f32, &[], &dev))?)?;
    }
    Ok((next, x0))
}

/// One deterministic DDIM step (η = 0) from t to `prev` (< t) from a predicted ε.
pub fn ddim_step(
    s: &Schedule,
    x: &Tensor,
    eps: &Tensor,
    t: usize,
    prev: usize,
    clip: bool,
) -> Result<(Tensor, Tensor)> {
    let dev = x.device();
    let x0 = predict_x0(s, x, eps, t, clip)?;
    let ab = s.ab(prev);
    // Recompute ε from the (possibly clipped) x₀ so the step stays consistent.
    let eps = if clip {
        x.sub(&x0.mul(&Tensor::full(s.ab(t).sqrt() as f32, &[], &dev))?)?
            .mul(&Tensor::full(
                (1.0 / (1.0 - s.ab(t)).sqrt()) as f32,
                &[],
                &dev,
            ))?
    } else {
        eps.clone()
    };
    let next = x0
        .mul(&Tensor::full(ab.sqrt() as f32, &[], &dev))?
        .add(&eps.mul(&Tensor::full((1.0 - ab).sqrt() as f32, &[], &dev))?)?;
    Ok((next, x0))
}

/// The timesteps a DDIM run with `k` steps visits, from T down (evenly spaced, ending at 1).
pub fn ddim_timesteps(total: usize, k: usize) -> Vec<usize> {
    let k = k.clamp(1, total);
    let mut v: Vec<usize> = (0..k)
        .map(|i| {
            1 + ((total - 1) as f64 * (k - 1 - i) as f64 / (k - 1).max(1) as f64).round() as usize
        })
        .collect();
    v.dedup();
    v
}
