//! Lesson 10's networks as trainable models: the 2-D DDPM denoiser on a toy data set and
//! the conditional U-Net on Avatar World (classifier-free guidance by dropped conditions).

use super::{schedule_2d, Arch, LossParts, Model, Net, Options, StepData, AVATAR_VERSION, T_2D};
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::models::autoencoder::{self as ae, AVATAR_D};
use crate::models::diffusion::{
    self, schedule_unet, Denoiser2d, EpsModel, ImageJob, ImageRun, Sampler, Unet, T_UNET,
};
use crate::models::plane::Target;
use crate::models::sampling::{Readback, SampleRun, SampleSpec};
use crate::nn::{mse, Params};
use crate::tensor::{Device, Result, Tensor};

/// The probability that training drops all conditions (and, otherwise, each feature), so
/// one network learns the conditional and the unconditional model (classifier-free guidance).
pub const DROP_ALL: f64 = 0.15;
pub const DROP_EACH: f64 = 0.3;

/// The 2-D data a denoiser learns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Toy {
    SwissRoll,
    Land,
}

/// A 2-D DDPM on one toy data set (linear schedule, T = [`T_2D`]).
#[derive(Debug)]
pub struct Ddpm2d(pub Toy);

impl Toy {
    /// The same data among the plane's data sets.
    pub fn target(self) -> Target {
        match self {
            Toy::SwissRoll => Target::SwissRoll,
            Toy::Land => Target::Land,
        }
    }
}

/// A 2-D denoiser with the data it is trained on: its recipe's toy, or the reader's
/// choice for a run in the page (any data set of the plane, or points they drew).
#[derive(Clone, Debug)]
pub struct ToyDenoiser {
    pub net: Denoiser2d,
    pub data: Target,
}

impl Arch for Ddpm2d {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(ToyDenoiser {
            net: Denoiser2d::new(p, rng, dev),
            data: self.0.target(),
        })
    }
    /// The one setting is the data ("target" or "drawn", see [`Target::from_option`]).
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        let mut data = self.0.target();
        for (name, values) in options {
            data = Target::from_option(name, values)
                .ok_or_else(|| format!("a 2-D denoiser has no setting “{name}”"))??;
        }
        Ok(Net::new(ToyDenoiser {
            net: Denoiser2d::new(p, rng, dev),
            data,
        }))
    }
    fn dataset(&self) -> &'static str {
        match self.0 {
            Toy::SwissRoll => "swiss-roll-1",
            Toy::Land => "land-1",
        }
    }
}

impl Model for ToyDenoiser {
    /// "reverse-step" with arguments [t, noise seed]: one DDPM step from t to t − 1 of the
    /// points given (rows [x, y]); each answer row is [x_{t−1}, y_{t−1}, x̂₀, ŷ₀].
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        if function != "reverse-step" {
            return None;
        }
        let (t, seed) = (*args.first()? as usize, *args.get(1)? as u64);
        let step = || -> Result<Vec<Vec<f32>>> {
            let xy: Vec<f32> = rows
                .iter()
                .flat_map(|r| r.iter().take(2).copied())
                .collect();
            let x = Tensor::new(xy, &[rows.len(), 2], &Device::Cpu)?;
            let eps = self.net.eps(p, &x, t, &[])?;
            let (next, x0) = diffusion::ddpm_step(schedule_2d(), &x, &eps, t, false, seed)?;
            let (next, x0) = (next.cpu_vec()?, x0.cpu_vec()?);
            Ok(next
                .chunks(2)
                .zip(x0.chunks(2))
                .map(|(a, b)| vec![a[0], a[1], b[0], b[1]])
                .collect())
        };
        Some(step())
    }

    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let (batch, dev) = (s.batch, s.dev);
        let pts = self.data.sample(batch, s.rng);
        let sched = schedule_2d();
        let ts: Vec<usize> = (0..batch)
            .map(|_| 1 + s.rng.below(T_2D as u32) as usize)
            .collect();
        let x0 = Tensor::new(
            pts.iter().flat_map(|p| [p.0 as f32, p.1 as f32]).collect(),
            &[batch, 2],
            dev,
        )?;
        let eps = Tensor::random(&[batch, 2], s.noise_seed, true, dev);
        let xt = diffusion::q_sample(sched, &x0, &ts, &eps)?;
        let temb = diffusion::time_embedding(
            &ts.iter().map(|&t| t as f64).collect::<Vec<_>>(),
            diffusion::TIME_DIM_2D,
            dev,
        )?;
        let pred = self.net.forward(p, &tape.leaf(xt), &tape.leaf(temb))?;
        Ok((mse(&pred, &tape.leaf(eps))?, vec![]))
    }
}

/// Lesson 10's conditional U-Net on Avatar World (cosine schedule, T = [`T_UNET`]).
#[derive(Debug)]
pub struct UnetArch;

impl Arch for UnetArch {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(Unet::new(p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        AVATAR_VERSION
    }
}

impl Model for Unet {
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let (batch, dev, rng) = (s.batch, s.dev, s.rng);
        let pd = ae::pdata();
        let people: Vec<_> = (0..batch).map(|_| pd.sample(rng)).collect();
        let cond: Vec<[Option<u8>; 5]> = people
            .iter()
            .map(|a| {
                let all = rng.uniform() < DROP_ALL;
                let mut c = [None; 5];
                for (f, v) in c.iter_mut().enumerate() {
                    if !all && rng.uniform() >= DROP_EACH {
                        *v = Some(a.get(f) as u8);
                    }
                }
                c
            })
            .collect();
        let rows: Vec<Vec<f32>> = people.iter().map(diffusion::avatar_x0).collect();
        let x0 = ae::rows_tensor(&rows, AVATAR_D, dev)?.reshape(&[batch, 3, 32, 32])?;
        let sched = schedule_unet();
        let ts: Vec<usize> = (0..batch)
            .map(|_| 1 + rng.below(T_UNET as u32) as usize)
            .collect();
        let eps = Tensor::random(&[batch, 3, 32, 32], s.noise_seed, true, dev);
        let xt = diffusion::q_sample(sched, &x0, &ts, &eps)?;
        let v = diffusion::v_target(sched, &x0, &ts, &eps)?;
        let pred = self.forward(
            tape,
            p,
            &tape.leaf(xt),
            &ts.iter().map(|&t| t as f64).collect::<Vec<_>>(),
            &cond,
        )?;
        Ok((mse(&pred, &tape.leaf(v))?, vec![]))
    }

    /// `Images`: the reverse process of the job; `Draw`: an unconditional DDIM run of
    /// [`DRAW_STEPS`] steps.
    fn sampler(&self, p: &Params, spec: &SampleSpec, dev: &Device) -> Option<Box<dyn SampleRun>> {
        let job = match *spec {
            SampleSpec::Images(job) => job,
            SampleSpec::Draw { n, seed } => ImageJob {
                sampler: Sampler::Ddim,
                steps: DRAW_STEPS,
                n,
                prompt: [None; 5],
                w: 0.0,
                seed,
            },
            SampleSpec::Complete { .. } => return None,
        };
        Some(Box::new(UnetRun {
            unet: self.clone(),
            params: p.to_device(dev),
            run: ImageRun::new(&job, schedule_unet(), dev),
        }))
    }
}

/// Reverse steps of the U-Net's plain `Draw` (DDIM).
pub const DRAW_STEPS: usize = 50;

/// The U-Net's reverse process as a [`SampleRun`].
struct UnetRun {
    unet: Unet,
    params: Params,
    run: ImageRun,
}

impl SampleRun for UnetRun {
    fn done(&self) -> usize {
        self.run.done
    }
    fn total(&self) -> usize {
        self.run.ts.len()
    }
    fn step(&mut self) -> Result<()> {
        self.run.step(&self.unet, &self.params, schedule_unet())
    }
    fn images(&self) -> Readback<'_, Vec<Vec<u8>>> {
        Box::pin(self.run.images())
    }
    fn values(&self) -> Readback<'_, Vec<f32>> {
        Box::pin(async move {
            let x = self.run.x.to_vec().await?;
            Ok(x.iter()
                .map(|v| (0.5 * (v + 1.0)).clamp(0.0, 1.0))
                .collect())
        })
    }
}
