//! Denoising diffusion (lesson 10): noise schedules, the forward process, denoisers that
//! predict the added noise (a small MLP for 2-D points, a small U-Net for 32×32 avatars,
//! conditioned on the five features with a "no condition" token for classifier-free
//! guidance), and the DDPM and DDIM samplers. Sampling runs on whatever device the
//! parameters live on; every step is tensor maths, so the same code runs on WebGPU.

use crate::autodiff::{Tape, Var};
use crate::data::avatar::{Avatar, CARDINALITIES};
use crate::data::draw;
use crate::data::Rng;
use crate::nn::layers::{upsample, Conv2d, ConvSpec, Embedding, GroupNorm, SelfAttention};
use crate::nn::{Linear, Params};
use crate::tensor::{BinaryOp, Device, Result, Tensor, UnaryOp};

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

// ---------------------------------------------------------------------------------------
// The 2-D denoiser.

pub const TIME_DIM_2D: usize = 32;

/// ε(x_t, t) for points in the plane: an MLP on [x, y, time embedding], SiLU, 3 hidden
/// layers of 128.
#[derive(Clone, Debug)]
pub struct Denoiser2d {
    layers: Vec<Linear>,
}

impl Denoiser2d {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let sizes = [2 + TIME_DIM_2D, 128, 128, 128, 2];
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Linear::new(p, &format!("den.{i}"), w[0], w[1], rng, dev))
            .collect();
        Denoiser2d { layers }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>, temb: &Var<'t>) -> Result<Var<'t>> {
        let mut h = Var::concat(&[*x, *temb], 1)?;
        for (i, l) in self.layers.iter().enumerate() {
            h = l.forward(p, &h)?;
            if i + 1 < self.layers.len() {
                h = h.unary(UnaryOp::Silu, 0.0)?;
            }
        }
        Ok(h)
    }
}

impl EpsModel for Denoiser2d {
    fn eps(
        &self,
        params: &Params,
        x: &Tensor,
        t: usize,
        _cond: &[[Option<u8>; 5]],
    ) -> Result<Tensor> {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let n = x.shape()[0];
        let temb = tape.leaf(time_embedding(
            &vec![t as f64; n],
            TIME_DIM_2D,
            &x.device(),
        )?);
        Ok(self.forward(&p, &tape.leaf(x.clone()), &temb)?.value())
    }
}

/// The 2-D data sets of the lesson, scaled to about ±1.
pub fn swiss_roll(n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    (0..n)
        .map(|_| {
            let t = rng.range(1.5 * std::f64::consts::PI, 4.5 * std::f64::consts::PI);
            (
                t * t.cos() / 10.0 + 0.02 * rng.normal(),
                t * t.sin() / 10.0 + 0.02 * rng.normal(),
            )
        })
        .collect()
}

/// Points on land of lesson 1's world map, scaled from degrees to about ±1.
pub fn land_points(n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    use std::sync::OnceLock;
    static MAP: OnceLock<crate::data::land::LandMap> = OnceLock::new();
    MAP.get_or_init(crate::data::land::LandMap::world)
        .sample(n, rng)
        .into_iter()
        .map(|(x, y)| (x / 180.0 * 1.6, y / 90.0 * 0.8))
        .collect()
}

/// Energy distance between two point sets: 2E|X − Y| − E|X − X'| − E|Y − Y'| (0 when the
/// distributions are equal).
pub fn energy_distance(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let d = |p: &(f64, f64), q: &(f64, f64)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
    let mean = |x: &[(f64, f64)], y: &[(f64, f64)]| {
        let mut s = 0.0;
        for p in x {
            for q in y {
                s += d(p, q);
            }
        }
        s / (x.len() * y.len()) as f64
    };
    2.0 * mean(a, b) - mean(a, a) - mean(b, b)
}

// ---------------------------------------------------------------------------------------
// The U-Net for avatars.

/// A residual block: GroupNorm, SiLU, 3×3 conv, + the time/condition vector, GroupNorm,
/// SiLU, 3×3 conv; a 1×1 conv on the skip path when the width changes.
#[derive(Clone, Debug)]
struct ResBlock {
    n1: GroupNorm,
    c1: Conv2d,
    emb: Linear,
    n2: GroupNorm,
    c2: Conv2d,
    skip: Option<Conv2d>,
}

fn conv(cin: usize, cout: usize, k: usize, stride: usize) -> ConvSpec {
    ConvSpec {
        cin,
        cout,
        k,
        stride,
        pad: if k == 4 { 1 } else { k / 2 },
    }
}

fn groups(c: usize) -> usize {
    if c % 8 == 0 {
        8
    } else {
        4
    }
}

impl ResBlock {
    fn new(
        p: &mut Params,
        name: &str,
        cin: usize,
        cout: usize,
        edim: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        ResBlock {
            n1: GroupNorm::new(p, &format!("{name}.norm1"), groups(cin), cin, dev),
            c1: Conv2d::new(p, &format!("{name}.conv1"), conv(cin, cout, 3, 1), rng, dev),
            emb: Linear::new(p, &format!("{name}.emb"), edim, cout, rng, dev),
            n2: GroupNorm::new(p, &format!("{name}.norm2"), groups(cout), cout, dev),
            c2: Conv2d::new(
                p,
                &format!("{name}.conv2"),
                conv(cout, cout, 3, 1),
                rng,
                dev,
            ),
            skip: (cin != cout)
                .then(|| Conv2d::new(p, &format!("{name}.skip"), conv(cin, cout, 1, 1), rng, dev)),
        }
    }

    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>, e: &Var<'t>) -> Result<Var<'t>> {
        let silu = |v: Var<'t>| v.unary(UnaryOp::Silu, 0.0);
        let h = self.c1.forward(p, &silu(self.n1.forward(p, x)?)?)?;
        let n = e.shape()[0];
        let c = h.shape()[1];
        let h = h.add(&self.emb.forward(p, e)?.reshape(&[n, c, 1, 1])?)?;
        let h = self.c2.forward(p, &silu(self.n2.forward(p, &h)?)?)?;
        let s = match &self.skip {
            Some(k) => k.forward(p, x)?,
            None => *x,
        };
        h.add(&s)
    }
}

/// Diffusion steps of the avatar U-Net.
pub const T_UNET: usize = 1000;

/// The schedule of the avatar U-Net: cosine, T = 1000.
pub fn schedule_unet() -> &'static Schedule {
    static S: std::sync::OnceLock<Schedule> = std::sync::OnceLock::new();
    S.get_or_init(|| Schedule::new(ScheduleKind::Cosine, T_UNET))
}

/// Channel widths at 32×32, 16×16 and 8×8.
pub const UNET_CH: [usize; 3] = [16, 32, 32];
const EMB: usize = 64;

/// v(x_t, t, features) (see [`v_target`]): a U-Net with one residual block per resolution
/// on the way down and up, skip connections by concatenation, self-attention at 8×8, and a
/// time + feature embedding added in every block. Each feature has one extra "no condition"
/// token. As an [`EpsModel`] it hands samplers ε, computed from v by [`eps_from_v`].
#[derive(Clone, Debug)]
pub struct Unet {
    t1: Linear,
    t2: Linear,
    feats: Vec<Embedding>,
    stem: Conv2d,
    d0: ResBlock,
    down1: Conv2d,
    d1: ResBlock,
    down2: Conv2d,
    mid: ResBlock,
    attn_norm: GroupNorm,
    attn: SelfAttention,
    u1: ResBlock,
    u0: ResBlock,
    out_norm: GroupNorm,
    out: Conv2d,
}

impl Unet {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let [c0, c1, c2] = UNET_CH;
        Unet {
            t1: Linear::new(p, "time.0", EMB, EMB, rng, dev),
            t2: Linear::new(p, "time.1", EMB, EMB, rng, dev),
            feats: (0..5)
                .map(|f| {
                    // Small initial condition vectors: training starts close to unconditional.
                    let name = format!("feature{f}");
                    Embedding::scaled(p, &name, CARDINALITIES[f] + 1, EMB, 0.1, rng, dev)
                })
                .collect(),
            stem: Conv2d::new(p, "stem", conv(3, c0, 3, 1), rng, dev),
            d0: ResBlock::new(p, "down0", c0, c0, EMB, rng, dev),
            down1: Conv2d::new(p, "down1.conv", conv(c0, c1, 4, 2), rng, dev),
            d1: ResBlock::new(p, "down1", c1, c1, EMB, rng, dev),
            down2: Conv2d::new(p, "down2.conv", conv(c1, c2, 4, 2), rng, dev),
            mid: ResBlock::new(p, "mid", c2, c2, EMB, rng, dev),
            attn_norm: GroupNorm::new(p, "mid.attn_norm", groups(c2), c2, dev),
            attn: SelfAttention::new(p, "mid.attn", c2, 2, false, rng, dev),
            u1: ResBlock::new(p, "up1", c2 + c1, c1, EMB, rng, dev),
            u0: ResBlock::new(p, "up0", c1 + c0, c0, EMB, rng, dev),
            out_norm: GroupNorm::new(p, "out.norm", groups(c0), c0, dev),
            out: Conv2d::new(p, "out.conv", conv(c0, 3, 3, 1), rng, dev),
        }
    }

    /// `x` `[N, 3, 32, 32]` in [−1, 1]; `ts` one timestep per row; `cond` one row of
    /// feature values per row (`None` = the no-condition token).
    pub fn forward<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        x: &Var<'t>,
        ts: &[f64],
        cond: &[[Option<u8>; 5]],
    ) -> Result<Var<'t>> {
        let dev = x.value().device();
        let n = x.shape()[0];
        let silu = |v: Var<'t>| v.unary(UnaryOp::Silu, 0.0);
        let mut e = self.t2.forward(
            p,
            &silu(
                self.t1
                    .forward(p, &tape.leaf(time_embedding(ts, EMB, &dev)?))?,
            )?,
        )?;
        for (f, emb) in self.feats.iter().enumerate() {
            let idx: Vec<f32> = (0..n)
                .map(|i| {
                    cond.get(i)
                        .and_then(|c| c[f])
                        .map_or(CARDINALITIES[f], |v| v as usize) as f32
                })
                .collect();
            e = e.add(&emb.forward(p, &Tensor::new(idx, &[n], &dev)?)?)?;
        }
        let e = silu(e)?;
        let h0 = self.d0.forward(p, &self.stem.forward(p, x)?, &e)?; // 32×32
        let h1 = self.d1.forward(p, &self.down1.forward(p, &h0)?, &e)?; // 16×16
        let h2 = self.mid.forward(p, &self.down2.forward(p, &h1)?, &e)?; // 8×8
        let c2 = h2.shape()[1];
        let tokens = self
            .attn_norm
            .forward(p, &h2)?
            .reshape(&[n, c2, 64])?
            .transpose(1, 2)?; // [N, 64, C]
        let (a, _) = self.attn.forward(p, &tokens)?;
        let h2 = h2.add(&a.transpose(1, 2)?.reshape(&[n, c2, 8, 8])?)?;
        let u = self
            .u1
            .forward(p, &Var::concat(&[upsample(&h2, 2)?, h1], 1)?, &e)?; // 16×16
        let u = self
            .u0
            .forward(p, &Var::concat(&[upsample(&u, 2)?, h0], 1)?, &e)?; // 32×32
        self.out.forward(p, &silu(self.out_norm.forward(p, &u)?)?)
    }
}

impl EpsModel for Unet {
    fn eps(
        &self,
        params: &Params,
        x: &Tensor,
        t: usize,
        cond: &[[Option<u8>; 5]],
    ) -> Result<Tensor> {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let n = x.shape()[0];
        let v = self
            .forward(&tape, &p, &tape.leaf(x.clone()), &vec![t as f64; n], cond)?
            .value();
        eps_from_v(schedule_unet(), x, &v, t)
    }
}

/// Which reverse process an image run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampler {
    /// Ancestral sampling (respaced when fewer steps than T): fresh noise every step.
    Ddpm,
    /// Deterministic DDIM (η = 0).
    Ddim,
}

/// A batch of images being sampled, one reverse step per [`ImageRun::step`] call, so a page
/// can draw progress and cancel between steps. Every sample shares one prompt; guidance
/// `w` (0 = unconditional, 1 = conditional, > 1 = pushed further) mixes the two
/// predictions of [`guided_eps`]. The same seed gives the same images on every device (to
/// float tolerance).
#[derive(Clone, Debug)]
pub struct ImageRun {
    pub sampler: Sampler,
    /// The timesteps visited, from T down to 1.
    pub ts: Vec<usize>,
    /// Steps taken so far.
    pub done: usize,
    pub x: Tensor,
    /// The last prediction of x₀ (the starting noise before any step).
    pub x0: Tensor,
    cond: Vec<[Option<u8>; 5]>,
    w: f32,
    seed: u64,
}

/// What to sample: `n` images of `prompt` (a value per feature, `None` = any) with
/// guidance `w`, in `steps` reverse steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageJob {
    pub sampler: Sampler,
    pub steps: usize,
    pub n: usize,
    pub prompt: [Option<u8>; 5],
    pub w: f32,
    pub seed: u64,
}

/// The sampling job the benchmarks time (natively and in the page): 16 avatars, 50
/// guided DDIM steps with w = 3, prompt hoodie + red hair.
pub const BENCH_JOB: ImageJob = ImageJob {
    sampler: Sampler::Ddim,
    steps: 50,
    n: 16,
    prompt: [None, None, Some(0), Some(4), None],
    w: 3.0,
    seed: 1,
};

impl ImageRun {
    pub fn new(job: &ImageJob, s: &Schedule, dev: &Device) -> ImageRun {
        let &ImageJob {
            sampler,
            steps,
            n,
            prompt,
            w,
            seed,
        } = job;
        let x = Tensor::random(&[n, 3, draw::SIZE, draw::SIZE], seed, true, dev);
        ImageRun {
            sampler,
            ts: ddim_timesteps(s.steps(), steps),
            done: 0,
            x0: x.clone(),
            x,
            cond: if prompt.iter().all(Option::is_none) {
                vec![[None; 5]; n]
            } else {
                vec![prompt; n]
            },
            w,
            seed,
        }
    }

    pub fn finished(&self) -> bool {
        self.done >= self.ts.len()
    }

    /// One reverse step (nothing once finished).
    pub fn step<M: EpsModel>(&mut self, m: &M, params: &Params, s: &Schedule) -> Result<()> {
        let Some(&t) = self.ts.get(self.done) else {
            return Ok(());
        };
        let prev = self.ts.get(self.done + 1).copied().unwrap_or(0);
        let conditional = self.cond.iter().any(|c| c.iter().any(Option::is_some));
        let eps = if conditional {
            guided_eps(m, params, &self.x, t, &self.cond, self.w)?
        } else {
            m.eps(params, &self.x, t, &self.cond)?
        };
        let (next, x0) = match self.sampler {
            Sampler::Ddpm => ddpm_step_to(
                s,
                &self.x,
                &eps,
                t,
                prev,
                true,
                self.seed.wrapping_add(1 + t as u64 * 7919),
            )?,
            Sampler::Ddim => ddim_step(s, &self.x, &eps, t, prev, true)?,
        };
        self.x = next;
        self.x0 = x0;
        self.done += 1;
        Ok(())
    }

    /// The images as RGB bytes: the samples once finished, the current x̂₀ before.
    pub async fn images(&self) -> Result<Vec<Vec<u8>>> {
        let src = if self.finished() { &self.x } else { &self.x0 };
        let v = src.to_vec().await?;
        Ok(v.chunks(AVATAR_PIXELS).map(rgb_from_unit).collect())
    }
}

/// An avatar as the U-Net sees it: channel-first, in [−1, 1].
pub fn avatar_x0(a: &Avatar) -> Vec<f32> {
    super::autoencoder::avatar_input(a)
        .iter()
        .map(|v| 2.0 * v - 1.0)
        .collect()
}

/// U-Net output space ([−1, 1], channel-first) → RGB bytes.
pub fn rgb_from_unit(x: &[f32]) -> Vec<u8> {
    super::autoencoder::rgb_from_chw(&x.iter().map(|v| 0.5 * (v + 1.0)).collect::<Vec<_>>())
}

/// Pixels in one avatar image.
pub const AVATAR_PIXELS: usize = 3 * draw::SIZE * draw::SIZE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_matches_the_ddpm_formulas() {
        let s = Schedule::new(ScheduleKind::Linear, 1000);
        // β_1 = 1e-4, β_1000 = 0.02; ᾱ_1 = 1 − β_1; ᾱ_2 = (1 − β_1)(1 − β_2).
        assert!((s.beta(1) - 1e-4).abs() < 1e-12 && (s.beta(1000) - 0.02).abs() < 1e-12);
        let b2 = 1e-4 + (0.02 - 1e-4) / 999.0;
        assert!((s.ab(1) - 0.9999).abs() < 1e-12);
        assert!((s.ab(2) - 0.9999 * (1.0 - b2)).abs() < 1e-12);
        // Hand-computed: ᾱ_1000 of the linear schedule ≈ 4.0358e-5.
        assert!((s.ab(1000) - 4.0358e-5).abs() < 1e-7, "{}", s.ab(1000));
        // Posterior at t = 2: c0 = β₂√ᾱ₁/(1−ᾱ₂), ct = (1−ᾱ₁)√α₂/(1−ᾱ₂), var = (1−ᾱ₁)/(1−ᾱ₂)·β₂.
        let (c0, ct, var) = s.posterior(2);
        let (ab1, ab2): (f64, f64) = (0.9999, 0.9999 * (1.0 - b2));
        assert!((c0 - b2 * ab1.sqrt() / (1.0 - ab2)).abs() < 1e-12);
        assert!((ct - 1e-4 * (1.0 - b2).sqrt() / (1.0 - ab2)).abs() < 1e-12);
        assert!((var - 1e-4 / (1.0 - ab2) * b2).abs() < 1e-15);
        // At t = 1 the posterior is x₀ itself.
        let (c0, ct, var) = s.posterior(1);
        assert!((c0 - 1.0).abs() < 1e-9 && ct == 0.0 && var == 0.0);
        // Cosine: ᾱ_T is tiny, ᾱ falls monotonically, SNR(T/2) ≈ 1 (cos² = sin² at the middle).
        let c = Schedule::new(ScheduleKind::Cosine, 1000);
        assert!(c.ab(1000) < 1e-4);
        assert!(c.alpha_bar.windows(2).all(|w| w[1] < w[0]));
        assert!((c.snr(500).ln()).abs() < 0.05, "{}", c.snr(500));
    }

    #[test]
    fn ddim_timesteps_cover_the_range() {
        assert_eq!(ddim_timesteps(1000, 1), vec![1]);
        let v = ddim_timesteps(1000, 50);
        assert_eq!((v[0], *v.last().unwrap(), v.len()), (1000, 1, 50));
        assert!(v.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn perfect_noise_prediction_recovers_x0() {
        // With the true ε, x̂₀ is exact and a DDIM step lands on the forward process at prev.
        let s = Schedule::new(ScheduleKind::Cosine, 100);
        let d = Device::Cpu;
        let x0 = Tensor::new(vec![0.5, -0.25, 0.9, 0.1], &[2, 2], &d).unwrap();
        let eps = Tensor::new(vec![0.3, -1.2, 0.7, 2.0], &[2, 2], &d).unwrap();
        let xt = q_sample(&s, &x0, &[40, 40], &eps).unwrap();
        let x0h = predict_x0(&s, &xt, &eps, 40, false).unwrap();
        for (a, b) in x0h
            .cpu_values()
            .unwrap()
            .iter()
            .zip(x0.cpu_values().unwrap())
        {
            assert!((a - b).abs() < 1e-5);
        }
        let (prev, _) = ddim_step(&s, &xt, &eps, 40, 20, false).unwrap();
        let want = q_sample(&s, &x0, &[20, 20], &eps).unwrap();
        for (a, b) in prev
            .cpu_values()
            .unwrap()
            .iter()
            .zip(want.cpu_values().unwrap())
        {
            assert!((a - b).abs() < 1e-5);
        }
        assert!(
            energy_distance(&[(0.0, 0.0), (1.0, 0.0)], &[(0.0, 0.0), (1.0, 0.0)]).abs() < 1e-12
        );
    }

    #[test]
    fn velocity_gives_back_the_noise_and_the_image() {
        // v = √ᾱ ε − √(1 − ᾱ) x₀ (hand-computed at one t), and ε recovered from v is the
        // true ε at every t, the noisiest included.
        let s = Schedule::new(ScheduleKind::Cosine, 1000);
        let d = Device::Cpu;
        let x0 = Tensor::new(vec![0.5, -0.25, 0.9, 0.1], &[2, 2], &d).unwrap();
        let eps = Tensor::new(vec![0.3, -1.2, 0.7, 2.0], &[2, 2], &d).unwrap();
        let v = v_target(&s, &x0, &[400, 400], &eps).unwrap();
        let ab = s.ab(400);
        let want = ab.sqrt() * 0.3 - (1.0 - ab).sqrt() * 0.5;
        assert!((v.cpu_values().unwrap()[0] as f64 - want).abs() < 1e-6);
        for t in [1, 400, 999, 1000] {
            let xt = q_sample(&s, &x0, &[t, t], &eps).unwrap();
            let v = v_target(&s, &x0, &[t, t], &eps).unwrap();
            let back = eps_from_v(&s, &xt, &v, t).unwrap().cpu_values().unwrap();
            for (a, b) in back.iter().zip(eps.cpu_values().unwrap()) {
                assert!((a - b).abs() < 1e-5, "t = {t}: {a} vs {b}");
            }
        }
    }
}
