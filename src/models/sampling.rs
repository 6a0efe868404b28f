//! Sampling as a run of steps, whatever the model: a diffusion model's reverse process
//! (many steps), a decoder or generator drawing from its prior (one). The engine drives any
//! [`SampleRun`] the same way (progress, previews, cancel between steps, a restart on the
//! CPU when the GPU fails), and so does [`run_to_end`] for native callers (the
//! [`Generative`](super::generative::Generative) face, the tests).

use super::diffusion::ImageJob;
use crate::tensor::Result;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// What to sample. A model answers the kinds it can (`zoo::Model::sampler`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SampleSpec {
    /// `n` samples from the model's prior, seeded by `seed`, in one step (an
    /// autoencoder's decoder on codes drawn from N(0, I); a GAN's generator on noise).
    Draw { n: usize, seed: u64 },
    /// A batch of 32×32 avatar images from a diffusion model, step by step (sampler,
    /// steps, prompt, guidance, seed).
    Images(ImageJob),
    /// People completed by an autoregressive model: each of `given` (32×32 palette
    /// indices) kept above row `rows`, the rest drawn in raster order, seeded by `seed`.
    Complete {
        given: Vec<Vec<u8>>,
        rows: usize,
        seed: u64,
    },
}

/// A read back from the run's device, awaited (the GPU answers later; the CPU at once).
pub type Readback<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

/// A sampling run in progress, on the device it was made for, holding its own weights.
pub trait SampleRun {
    /// Steps taken so far.
    fn done(&self) -> usize;
    /// Steps in all.
    fn total(&self) -> usize;
    fn finished(&self) -> bool {
        self.done() >= self.total()
    }
    /// Takes the next step.
    fn step(&mut self) -> Result<()>;
    /// Steps between previews (each preview also lets a GPU catch up).
    fn preview_every(&self) -> usize {
        5
    }
    /// The samples as they stand (a diffusion run's current guess x̂₀), as 32×32 RGB
    /// bytes, one image per sample.
    fn images(&self) -> Readback<'_, Vec<Vec<u8>>>;
    /// The finished samples' values, one row after another, in the model's own units
    /// (images: channel-first, in [−1, 1]).
    fn values(&self) -> Readback<'_, Vec<f32>>;
}

/// Runs `run` to its end and hands back its images and values (native callers; the
/// engine steps runs itself, between messages).
pub async fn run_to_end(run: &mut dyn SampleRun) -> Result<(Vec<Vec<u8>>, Vec<f32>)> {
    while !run.finished() {
        run.step()?;
    }
    Ok((run.images().await?, run.values().await?))
}

/// The output of a future that is ready when first polled, as CPU readbacks are; `None`
/// if it would wait (a device's readback).
pub fn ready_now<F: Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
