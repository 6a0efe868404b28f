//! Sampling batches of avatar images step by step ([`ImageRun`]), and avatars to and
//! from the U-Net's pixel space.

use super::sample::{ddim_step, ddim_timesteps, ddpm_step_to, guided_eps, EpsModel};
use super::schedule::Schedule;
use crate::data::avatar::Avatar;
use crate::data::draw;
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor};

/// Which reverse process an image run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
    crate::models::autoencoder::avatar_input(a)
        .iter()
        .map(|v| 2.0 * v - 1.0)
        .collect()
}

/// U-Net output space ([−1, 1], channel-first) → RGB bytes.
pub fn rgb_from_unit(x: &[f32]) -> Vec<u8> {
    crate::models::autoencoder::rgb_from_chw(&x.iter().map(|v| 0.5 * (v + 1.0)).collect::<Vec<_>>())
}

/// Pixels in one avatar image.
pub const AVATAR_PIXELS: usize = 3 * draw::SIZE * draw::SIZE;
