//! Lesson 9's restricted Boltzmann machine as a trainable model: CD-k on people in black
//! and white, and what the page asks of one: Gibbs chains (free or with pixels clamped),
//! free energies, and the hidden units' filters.

use super::{Arch, LossParts, Model, Net, Options, StepData};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::rbm::{training_rows, Rbm, RbmSettings, SIDE, VISIBLE};
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor, TensorError};

/// Version of the binary avatars; recorded in manifests.
pub const BINARY_AVATAR_VERSION: &str = "avatar-world-1-binary";

/// The lesson's RBM on binary avatars.
#[derive(Debug)]
pub struct AvatarRbm;

impl Arch for AvatarRbm {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(Rbm::new(RbmSettings::lesson(), p, rng, dev))
    }
    /// The reader's k ([`RbmSettings::with_options`]).
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        let s = RbmSettings::lesson().with_options(options)?;
        Ok(Net::new(Rbm::new(s, p, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        BINARY_AVATAR_VERSION
    }
}

/// How often an RBM training in the page hands out its weights, so its filters and
/// chains follow the training.
const WATCH_MS: f64 = 500.0;
/// Most Gibbs sweeps one call runs.
const MAX_SWEEPS: f64 = 1000.0;

impl Model for Rbm {
    fn publish_every_ms(&self) -> Option<f64> {
        Some(WATCH_MS)
    }

    /// CD-k on a batch of training people.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let v0 = Tensor::new(training_rows(s.batch, s.rng), &[s.batch, VISIBLE], s.dev)?;
        let (loss, recon) = self.cd_loss(tape, p, &v0, s.noise_seed)?;
        Ok((loss, vec![("reconstruction".into(), recon)]))
    }

    /// "gibbs": starting states, args [sweeps, seed, clamped rows] → per chain, its states
    /// after that many sweeps followed by the probabilities they were drawn from (2 × 1024
    /// numbers); the top `clamped rows` of pixels keep their starting values.
    /// "free-energy": pictures → [F(v)]. "filters": → each hidden unit's weights, a row of
    /// 1024 (a picture of what it looks for).
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let wt = self.weights(p);
        let arg = |i: usize| args.get(i).copied().unwrap_or(0.0);
        let run = || -> Result<Vec<Vec<f32>>> {
            if function == "filters" {
                let w = wt.w.cpu_vec()?;
                let h = self.settings.hidden;
                return Ok((0..h)
                    .map(|j| (0..self.visible).map(|i| w[i * h + j]).collect())
                    .collect());
            }
            let n = rows.len();
            if n == 0 || rows.iter().any(|r| r.len() != self.visible) {
                return Err(TensorError::Device(format!(
                    "an RBM reads pictures of {} pixels",
                    self.visible
                )));
            }
            let v = Tensor::new(rows.concat(), &[n, self.visible], &Device::Cpu)?;
            Ok(match function {
                "free-energy" => self
                    .free_energies(p, &v)?
                    .cpu_vec()?
                    .into_iter()
                    .map(|f| vec![f])
                    .collect(),
                _ => {
                    let sweeps = arg(0).clamp(0.0, MAX_SWEEPS) as usize;
                    let clamped = (arg(2).clamp(0.0, SIDE as f64) as usize) * SIDE;
                    let mask = (clamped > 0)
                        .then(|| {
                            let m = (0..self.visible).map(|i| (i < clamped) as u8 as f32);
                            Tensor::new(m.collect(), &[self.visible], &Device::Cpu)
                        })
                        .transpose()?;
                    let (now, probs) = wt.chain(&v, sweeps, arg(1) as u64, mask.as_ref())?;
                    let (now, probs) = (now.cpu_vec()?, probs.cpu_vec()?);
                    now.chunks(self.visible)
                        .zip(probs.chunks(self.visible))
                        .map(|(a, b)| [a, b].concat())
                        .collect()
                }
            })
        };
        matches!(function, "gibbs" | "free-energy" | "filters").then(run)
    }
}
