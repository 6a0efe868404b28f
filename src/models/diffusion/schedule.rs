//! Noise schedules (ᾱ_t, linear and cosine), the forward process in one jump, the
//! velocity target, and the sinusoidal time embedding.

use crate::tensor::{Device, Result, Tensor};

/// ᾱ_t and the quantities derived from it, for t = 1..=T (index t − 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub betas: Vec<f64>,
    pub alpha_bar: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScheduleKind {
    /// β rises linearly from 10⁻⁴ to 0.02 (Ho et al. 2020, at T = 1000; scaled for other T).
    Linear,
    /// ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008 (Nichol & Dhariwal
    /// 2021), with β clipped at 0.999.
    Cosine,
}

impl Schedule {
    pub fn new(kind: ScheduleKind, steps: usize) -> Schedule {
        let betas: Vec<f64> = match kind {
            ScheduleKind::Linear => {
                let scale = 1000.0 / steps as f64;
                let (lo, hi) = (1e-4 * scale, 0.02 * scale);
                (0..steps)
                    .map(|i| lo + (hi - lo) * i as f64 / (steps - 1).max(1) as f64)
                    .collect()
            }
            ScheduleKind::Cosine => {
                let s = 0.008;
                let f = |t: f64| {
                    ((t / steps as f64 + s) / (1.0 + s) * std::f64::consts::FRAC_PI_2)
                        .cos()
                        .powi(2)
                };
                (1..=steps)
                    .map(|t| (1.0 - f(t as f64) / f(t as f64 - 1.0)).min(0.999))
                    .collect()
            }
        };
        let mut alpha_bar = Vec::with_capacity(steps);
        let mut acc = 1.0;
        for b in &betas {
            acc *= 1.0 - b;
            alpha_bar.push(acc);
        }
        Schedule { betas, alpha_bar }
    }

    pub fn steps(&self) -> usize {
        self.betas.len()
    }
    /// ᾱ_t, with ᾱ_0 = 1.
    pub fn ab(&self, t: usize) -> f64 {
        if t == 0 {
            1.0
        } else {
            self.alpha_bar[t - 1]
        }
    }
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[t - 1]
    }
    /// Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t).
    pub fn snr(&self, t: usize) -> f64 {
        self.ab(t) / (1.0 - self.ab(t))
    }
    /// The posterior q(x_prev | x_t, x_0) for any prev < t, as a respaced DDPM samples
    /// with fewer steps: β' = 1 − ᾱ_t/ᾱ_prev in the formulas of [`Schedule::posterior`].
    pub fn posterior_between(&self, t: usize, prev: usize) -> (f64, f64, f64) {
        let (ab, ab_prev) = (self.ab(t), self.ab(prev));
        let beta = 1.0 - ab / ab_prev;
        (
            beta * ab_prev.sqrt() / (1.0 - ab),
            (1.0 - ab_prev) * (1.0 - beta).sqrt() / (1.0 - ab),
            (1.0 - ab_prev) / (1.0 - ab) * beta,
        )
    }

    /// The posterior q(x_{t−1} | x_t, x_0) = N(c0·x_0 + ct·x_t, var): (c0, ct, var).
    pub fn posterior(&self, t: usize) -> (f64, f64, f64) {
        let (ab, ab_prev, beta) = (self.ab(t), self.ab(t - 1), self.beta(t));
        (
            beta * ab_prev.sqrt() / (1.0 - ab),
            (1.0 - ab_prev) * (1.0 - beta).sqrt() / (1.0 - ab),
            (1.0 - ab_prev) / (1.0 - ab) * beta,
        )
    }
}

/// Sinusoidal embedding of (possibly fractional) timesteps: [sin(t·f_i), cos(t·f_i)] with
/// f_i = 10000^(−i/(dim/2)); `[N, dim]` on `dev`.
pub fn time_embedding(ts: &[f64], dim: usize, dev: &Device) -> Result<Tensor> {
    let half = dim / 2;
    let freqs: Vec<f64> = (0..half)
        .map(|i| (-(10000f64.ln()) * i as f64 / half as f64).exp())
        .collect();
    let mut v = Vec::with_capacity(ts.len() * dim);
    for &t in ts {
        v.extend(freqs.iter().map(|f| (t * f).sin() as f32));
        v.extend(freqs.iter().map(|f| (t * f).cos() as f32));
    }
    Tensor::new(v, &[ts.len(), dim], dev)
}

/// Per-row scalars `[N, 1, …]` (as many trailing 1s as `rank` − 1).
fn per_row(v: &[f64], rank: usize, dev: &Device) -> Result<Tensor> {
    let mut shape = vec![v.len()];
    shape.extend(std::iter::repeat_n(1, rank - 1));
    Tensor::new(v.iter().map(|&x| x as f32).collect(), &shape, dev)
}

/// Row by row, a·x₀ + b·ε with (a, b) = `coef(ᾱ_t)` for each row's t.
fn mix_rows(
    s: &Schedule,
    x0: &Tensor,
    ts: &[usize],
    eps: &Tensor,
    coef: impl Fn(f64) -> (f64, f64),
) -> Result<Tensor> {
    let dev = x0.device();
    let r = x0.shape().len();
    let (a, b): (Vec<f64>, Vec<f64>) = ts.iter().map(|&t| coef(s.ab(t))).unzip();
    x0.mul(&per_row(&a, r, &dev)?)?
        .add(&eps.mul(&per_row(&b, r, &dev)?)?)
}

/// The forward process in one jump: x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, row by row.
pub fn q_sample(s: &Schedule, x0: &Tensor, ts: &[usize], eps: &Tensor) -> Result<Tensor> {
    mix_rows(s, x0, ts, eps, |ab| (ab.sqrt(), (1.0 - ab).sqrt()))
}

/// The "velocity" v = √ᾱ_t ε − √(1 − ᾱ_t) x₀, the U-Net's training target. Its loss weighs
/// the noisiest steps like an x₀ loss, where an ε loss gives them almost no weight; those
/// are the steps that decide the prompt's features and the overall colour.
pub fn v_target(s: &Schedule, x0: &Tensor, ts: &[usize], eps: &Tensor) -> Result<Tensor> {
    mix_rows(s, x0, ts, eps, |ab| (-(1.0 - ab).sqrt(), ab.sqrt()))
}

/// ε from a predicted v: ε = √ᾱ_t v + √(1 − ᾱ_t) x_t.
pub fn eps_from_v(s: &Schedule, x: &Tensor, v: &Tensor, t: usize) -> Result<Tensor> {
    let dev = x.device();
    let ab = s.ab(t);
    v.mul(&Tensor::full(ab.sqrt() as f32, &[], &dev))?
        .add(&x.mul(&Tensor::full((1.0 - ab).sqrt() as f32, &[], &dev))?)
}
