//! Lesson 6's networks as trainable models: the 2-D GAN on the ring of eight Gaussians,
//! with the fix (non-saturating loss, R1, DCGAN's Adam, D at twice G's rate) or the
//! collapse preset, and the DCGAN on Avatar World. Training takes two parts per step: the
//! discriminator, then the generator.

use super::prior::{draw_cpu, draw_sampler, FromNoise};
use super::{Arch, LossParts, Model, Net, Options, StepData, AVATAR_VERSION};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::autoencoder::{self as ae, AVATAR_D};
use crate::models::dcgan::{to_signed, Dcgan, DCGAN_BETA1, GAN_NOISE, GENERATOR_PREFIX};
use crate::models::gan2d::{Gan2d, GanSettings};
use crate::models::plane::{points_tensor, row_points};
use crate::models::sampling::{SampleRun, SampleSpec};
use crate::nn::optim::Optimizer;
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor, UnaryOp};
use crate::train::Group;

/// Version of the 2-D data (the ring's modes and spread); recorded in manifests.
pub const RING_VERSION: &str = "ring-of-8-1";

/// A 2-D GAN on the ring; `collapse` picks the preset that fails.
#[derive(Debug)]
pub struct Ring2d {
    pub collapse: bool,
}

impl Ring2d {
    fn preset(&self) -> GanSettings {
        if self.collapse {
            GanSettings::collapse()
        } else {
            GanSettings::stable()
        }
    }
}

impl Arch for Ring2d {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(Gan2d::new(self.preset(), p, rng, dev))
    }
    /// The preset changed by the reader's settings ([`GanSettings::with_options`]).
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        let s = self.preset().with_options(options)?;
        Ok(Net::new(Gan2d::new(s, p, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        RING_VERSION
    }
}

/// A CPU tensor's values as rows of `width` (the engine calls models with CPU weights).
fn rows_of(t: &Tensor, width: usize) -> Result<Vec<Vec<f32>>> {
    Ok(t.cpu_vec()?.chunks(width).map(<[f32]>::to_vec).collect())
}

/// How often a 2-D GAN training in the page hands out its weights: every chunk, so the
/// plane is redrawn as it learns (its weights are a few kilobytes).
const WATCH_MS: f64 = 100.0;

impl Model for Gan2d {
    fn publish_every_ms(&self) -> Option<f64> {
        Some(WATCH_MS)
    }

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
            let real = self.settings.target.sample(s.batch, s.rng);
            self.d_loss(tape, p, points_tensor(&real, s.dev)?, z)
        } else {
            self.g_loss(tape, p, z)
        }
    }

    /// "generate": noise rows → points; "critic": points → [D(x)] (a probability);
    /// "push": points → the direction the discriminator pushes a fake there, ∇ₓ log D(x);
    /// "noise-dim": one row of one number, the length of the generator's noise.
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        _args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let dev = Device::Cpu;
        let run = || -> Result<Vec<Vec<f32>>> {
            if function == "noise-dim" {
                return Ok(vec![vec![self.settings.noise_dim as f32]]);
            }
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
                    let x = tape.leaf(points_tensor(&row_points(rows), &dev)?);
                    let d = self.critic(&vars, &x)?.unary(UnaryOp::Sigmoid, 0.0)?;
                    rows_of(&d.value(), 1)
                }
                _ => {
                    // ∇ₓ log σ(a) = (1 − σ(a)) ∇ₓ a
                    let x = tape.leaf(points_tensor(&row_points(rows), &dev)?);
                    let a = self.critic(&vars, &x)?.value().cpu_vec()?;
                    let g = self.input_gradient(&vars, &x)?.value().cpu_vec()?;
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
        matches!(function, "generate" | "critic" | "push" | "noise-dim").then(run)
    }
}

/// Lesson 6's DCGAN on people drawn from P_data (the held-out tenth excepted, as for the
/// VAEs). `generator_only`: its weights file keeps the generator alone (the checkpoints
/// shown over training, which are only sampled from).
#[derive(Debug)]
pub struct AvatarGan {
    pub generator_only: bool,
}

impl Arch for AvatarGan {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(Dcgan::new(p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        AVATAR_VERSION
    }
    fn ships(&self, name: &str) -> bool {
        !self.generator_only || name.starts_with(GENERATOR_PREFIX)
    }
}

impl FromNoise for Dcgan {
    fn noise_dim(&self) -> usize {
        GAN_NOISE
    }
    /// G(z) moved from [−1, 1] to pixel values in [0, 1].
    fn draw<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        self.generate(p, z)?
            .unary(UnaryOp::AddScalar, 1.0)?
            .scale(0.5)
    }
}

impl Model for Dcgan {
    /// The discriminator's part (the registry trains both parts, through `groups`).
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        self.group_loss(0, tape, p, s)
    }

    /// "D" then "G", each with Adam at the recipe's rate and DCGAN's β₁.
    fn groups(&self, _params: &Params, lr: f32) -> Vec<Group> {
        let adam = || Optimizer::adam_betas(lr, DCGAN_BETA1, 0.999);
        vec![
            Group::new("D", self.d_params(), adam()),
            Group::new("G", self.g_params(), adam()),
        ]
    }

    fn group_loss<'t>(
        &self,
        group: usize,
        tape: &'t Tape,
        p: &[Var<'t>],
        s: StepData,
    ) -> Result<LossParts<'t>> {
        let z = Tensor::random(&[s.batch, GAN_NOISE], s.noise_seed, true, s.dev);
        if group == 0 {
            let rows: Vec<Vec<f32>> = ae::training_people(s.batch, s.rng)
                .iter()
                .map(|a| to_signed(&ae::avatar_input(a)))
                .collect();
            self.d_loss(tape, p, ae::rows_tensor(&rows, AVATAR_D, s.dev)?, z)
        } else {
            self.g_loss(tape, p, z)
        }
    }

    /// `Draw`: people from the generator on noise drawn from N(0, I).
    fn sampler(&self, p: &Params, spec: &SampleSpec, dev: &Device) -> Option<Box<dyn SampleRun>> {
        draw_sampler(self, p, spec, dev)
    }

    /// "generate": noise rows (GAN_NOISE numbers) → images (3·32·32 values in [0, 1]).
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        _args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        (function == "generate").then(|| draw_cpu(self, p, rows))
    }
}
