//! Lesson 6's networks as trainable models: the 2-D GAN on the ring of eight Gaussians,
//! with the fix (non-saturating loss, R1, DCGAN's Adam) or the collapse preset. Training
//! takes two parts per step: the discriminator, then the generator.

use super::{Arch, LossParts, Model, Net, StepData};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::gan2d::{Gan2d, GanSettings, Target};
use crate::nn::optim::Optimizer;
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor, TensorError, UnaryOp};
use crate::train::Group;

/// Version of the 2-D data (the ring's modes and spread); recorded in manifests.
pub const RING_VERSION: &str = "ring-of-8-1";

/// A 2-D GAN on the ring; `collapse` picks the preset that fails.
#[derive(Debug)]
pub struct Ring2d {
    pub collapse: bool,
}

impl Arch for Ring2d {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        let s = if self.collapse {
            GanSettings::collapse()
        } else {
            GanSettings::stable()
        };
        Net::new(Gan2d::new(s, p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        RING_VERSION
    }
}

/// Rows of two numbers as a [n, 2] tensor.
fn points(rows: &[Vec<f32>], dev: &Device) -> Result<Tensor> {
    let flat: Vec<f32> = rows.iter().flat_map(|r| [r[0], r[1]]).collect();
    Tensor::new(flat, &[rows.len(), 2], dev)
}

/// A CPU tensor's values (the engine calls models with CPU weights).
fn cpu(t: &Tensor) -> Result<Vec<f32>> {
    t.cpu_values()
        .ok_or_else(|| TensorError::Device("a GAN's call needs CPU weights".into()))
}

fn rows_of(t: &Tensor, width: usize) -> Result<Vec<Vec<f32>>> {
    Ok(cpu(t)?.chunks(width).map(<[f32]>::to_vec).collect())
}

impl Model for Gan2d {
    /// The discriminator's part (the registry trains both parts, through `groups`).
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        self.group_loss(0, tape, p, s)
    }

    /// "D" then "G", each with Adam at its own rate and the settings' β₁.
    fn groups(&self, _params: &Params, _lr: f32) -> Vec<Group> {
        let s = &self.settings;
        let adam = |lr| Optimizer::adam_betas(lr, s.beta1, 0.999);
        vec![
            Group::new("D", self.d_params(), adam(s.lr_d)),
            Group::new("G", self.g_params(), adam(s.lr_g)),
        ]
    }

    fn group_loss<'t>(
        &self,
        group: usize,
        tape: &'t Tape,
        p: &[Var<'t>],
        s: StepData,
    ) -> Result<LossParts<'t>> {
        let z = Tensor::random(
            &[s.batch, self.settings.noise_dim],
            s.noise_seed,
            true,
            s.dev,
        );
        if group == 0 {
            let real: Vec<Vec<f32>> = Target::Ring
                .sample(s.batch, s.rng)
                .into_iter()
                .map(|(x, y)| vec![x as f32, y as f32])
                .collect();
            self.d_loss(tape, p, points(&real, s.dev)?, z)
        } else {
            self.g_loss(tape, p, z)
        }
    }

    /// "generate": noise rows → points; "critic": points → [D(x)] (a probability);
    /// "push": points → the direction the discriminator pushes a fake there, ∇ₓ log D(x).
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        _args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let dev = Device::Cpu;
        let run = || -> Result<Vec<Vec<f32>>> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let tape = Tape::new();
            let vars = p.bind(&tape);
            match function {
                "generate" => {
                    let flat: Vec<f32> = rows.concat();
                    let z = Tensor::new(flat, &[rows.len(), self.settings.noise_dim], &dev)?;
                    rows_of(&self.generate(&vars, &tape.leaf(z))?.value(), 2)
                }
                "critic" => {
                    let x = tape.leaf(points(rows, &dev)?);
                    let d = self.critic(&vars, &x)?.unary(UnaryOp::Sigmoid, 0.0)?;
                    rows_of(&d.value(), 1)
                }
                _ => {
                    // ∇ₓ log σ(a) = (1 − σ(a)) ∇ₓ a
                    let x = tape.leaf(points(rows, &dev)?);
                    let a = cpu(&self.critic(&vars, &x)?.value())?;
                    let g = cpu(&self.input_gradient(&vars, &x)?.value())?;
                    Ok(a.iter()
                        .zip(g.chunks(2))
                        .map(|(a, g)| {
                            let w = 1.0 - 1.0 / (1.0 + (-a).exp());
                            vec![w * g[0], w * g[1]]
                        })
                        .collect())
                }
            }
        };
        matches!(function, "generate" | "critic" | "push").then(run)
    }
}
