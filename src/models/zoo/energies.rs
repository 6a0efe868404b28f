//! Lesson 9's energies as trainable models: an MLP energy on the plane trained by
//! denoising score matching, and what the page asks of one: energies, gradients, and
//! Langevin particles moved on it.

use super::{Arch, LossParts, Model, Net, Options, StepData};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::ebm2d::{EbmSettings, Energy2d};
use crate::models::langevin::langevin_step;
use crate::models::plane::{point_rows, points_tensor, row_points, Target};
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor};

/// Version of the energies' 2-D data; recorded in manifests.
pub const EBM_DATA_VERSION: &str = "plane-2d-1";

/// An energy on the data set at `target` of `plane::TARGET_NAMES`.
#[derive(Debug)]
pub struct Plane2dEnergy {
    pub target: u8,
}

impl Arch for Plane2dEnergy {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        let s = EbmSettings::new(Target::chosen(self.target, Vec::new()));
        Net::new(Energy2d::new(s, p, rng, dev))
    }
    /// The reader's data ([`EbmSettings::with_options`]).
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        let s = EbmSettings::new(Target::chosen(self.target, Vec::new())).with_options(options)?;
        Ok(Net::new(Energy2d::new(s, p, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        EBM_DATA_VERSION
    }
}

/// How often an energy training in the page hands out its weights: every chunk, so the
/// landscape is redrawn as it learns.
const WATCH_MS: f64 = 100.0;
/// Most Langevin steps one call runs.
const MAX_STEPS: f64 = 200.0;

impl Model for Energy2d {
    fn publish_every_ms(&self) -> Option<f64> {
        Some(WATCH_MS)
    }

    /// Denoising score matching on a batch of the data.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let data = self.settings.target.sample(s.batch, s.rng);
        let x = tape.leaf(points_tensor(&data, s.dev)?);
        let eps = tape.leaf(Tensor::random(&[s.batch, 2], s.noise_seed, true, s.dev));
        Ok((self.dsm_loss(p, &x, &eps)?, Vec::new()))
    }

    /// "energy": points → [E(x)]; "grad": points → ∇E(x); "langevin": particles, args
    /// [steps, ε, T, seed] → the particles after that many Langevin steps; "data": args
    /// [n, seed] → n points of the data this energy was built for.
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let pts = row_points(rows);
        let arg = |i: usize| args.get(i).copied().unwrap_or(0.0);
        let run = || -> Result<Vec<Vec<f32>>> {
            Ok(match function {
                "data" => self.settings.target.sample_rows(args),
                _ if pts.is_empty() => Vec::new(),
                "energy" => self
                    .evaluate(p, &pts)?
                    .0
                    .into_iter()
                    .map(|e| vec![e as f32])
                    .collect(),
                "grad" => point_rows(&self.evaluate(p, &pts)?.1),
                _ => {
                    let steps = arg(0).clamp(0.0, MAX_STEPS) as usize;
                    let (eps, temp) = (arg(1).clamp(0.0, 1.0), arg(2).clamp(0.0, 100.0));
                    let mut rng = Rng::new(arg(3) as u64);
                    let mut now = pts.clone();
                    for _ in 0..steps {
                        let (_, g) = self.evaluate(p, &now)?;
                        langevin_step(&mut now, &g, eps, temp, &mut rng);
                    }
                    point_rows(&now)
                }
            })
        };
        matches!(function, "data" | "energy" | "grad" | "langevin").then(run)
    }
}
