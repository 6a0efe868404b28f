//! Lesson 8's flows as trainable models: a RealNVP (or, with Glow's pieces, ActNorm and
//! 2×2 LU mixes between the couplings) on points in the plane, trained by exact maximum
//! likelihood; and what the page asks of one: densities, samples, and every point after
//! each layer.

use super::{Arch, LossParts, Model, Net, Options, StepData};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::flow2d::{Flow2d, FlowSettings};
use crate::models::plane::{points_tensor, row_points, Target};
use crate::nn::Params;
use crate::tensor::{Device, Result};

/// Version of the flows' 2-D data; recorded in manifests.
pub const FLOW_DATA_VERSION: &str = "plane-2d-1";

/// A 2-D flow on the data set at `target` of `plane::TARGET_NAMES`; `glow` adds Glow's
/// pieces.
#[derive(Debug)]
pub struct Plane2d {
    pub target: u8,
    pub glow: bool,
}

impl Plane2d {
    fn settings(&self) -> FlowSettings {
        let t = Target::chosen(self.target, Vec::new());
        if self.glow {
            FlowSettings::glow(t)
        } else {
            FlowSettings::realnvp(t)
        }
    }
}

impl Arch for Plane2d {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(Flow2d::new(self.settings(), p, rng, dev))
    }
    /// The reader's data and Glow switch ([`FlowSettings::with_options`]).
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        let s = self.settings().with_options(options)?;
        Ok(Net::new(Flow2d::new(s, p, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        FLOW_DATA_VERSION
    }
}

/// How often a flow training in the page hands out its weights: every chunk, so its
/// density is redrawn as it learns.
const WATCH_MS: f64 = 100.0;

impl Model for Flow2d {
    fn publish_every_ms(&self) -> Option<f64> {
        Some(WATCH_MS)
    }

    /// Negative log-likelihood in nats per point of a batch of the data.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let data = self.settings.target.sample(s.batch, s.rng);
        let x = tape.leaf(points_tensor(&data, s.dev)?);
        Ok((self.nll(p, &x)?, Vec::new()))
    }

    /// "data": args [n, seed] → n points of the data this flow was built for; "layers":
    /// each layer's name, one row of character codes per layer (data side
    /// first); "log-density": points → [log p(x)]; "sample": noise points → data points;
    /// "stages": points → every stage's point, flattened (the input, then after each
    /// layer), with args [1] from data to noise followed by each layer's log |det J|
    /// there, with [0] from noise to data.
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let run = || -> Result<Vec<Vec<f32>>> {
            if function == "data" {
                return Ok(self.settings.target.sample_rows(args));
            }
            if function == "layers" {
                return Ok(self
                    .layer_names()
                    .iter()
                    .map(|n| n.chars().map(|c| c as u32 as f32).collect())
                    .collect());
            }
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let dev = Device::Cpu;
            let tape = Tape::new();
            let vars = p.bind(&tape);
            let x = tape.leaf(points_tensor(&row_points(rows), &dev)?);
            match function {
                "log-density" => Ok(self
                    .log_density(&vars, &x)?
                    .value()
                    .cpu_vec()?
                    .into_iter()
                    .map(|v| vec![v])
                    .collect()),
                "sample" => Ok(self
                    .to_data(&vars, &x)?
                    .value()
                    .cpu_vec()?
                    .chunks(2)
                    .map(<[f32]>::to_vec)
                    .collect()),
                _ => {
                    let from_data = args.first().is_some_and(|&a| a >= 0.5);
                    let (stages, logdets) = self.stages(p, &row_points(rows), from_data)?;
                    Ok((0..rows.len())
                        .map(|i| {
                            let mut r: Vec<f32> = stages
                                .iter()
                                .flat_map(|s| [s[i].0 as f32, s[i].1 as f32])
                                .collect();
                            r.extend(logdets.iter().map(|l| l[i] as f32));
                            r
                        })
                        .collect())
                }
            }
        };
        matches!(
            function,
            "data" | "layers" | "log-density" | "sample" | "stages"
        )
        .then(run)
    }
}
