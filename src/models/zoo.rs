//! The trained networks the lessons ship: for each, a recipe (seed, steps, batch, learning
//! rate, β, data set) that `cargo xtask train <name>` runs natively to produce the committed
//! weights, that the tests run for a few steps, and that the page runs when the reader
//! trains from scratch. One recipe, three users: the shipped file is reproducible.

use super::autoencoder::{
    self as ae, AutoEncoder, AvatarAe, FeatureClassifier, JarAe, Kind, AVATAR_D, JAR_D,
};
use super::diffusion::{self, Denoiser2d, Schedule, ScheduleKind, Unet};
pub use super::manifest::Manifest;
use crate::autodiff::{Tape, Var};
use crate::data::{jars, Rng};
use crate::nn::optim::Optimizer;
use crate::nn::{mse, Params};
use crate::tensor::{Device, Result, Tensor};
use crate::train::{TrainError, Trainer};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Latent size of the avatar autoencoders.
pub const AVATAR_LATENT: usize = 8;
/// Version of the avatar data (the drawing and P_data); recorded in manifests.
pub const AVATAR_VERSION: &str = "avatar-world-1";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arch {
    Jar,
    Avatar(Kind),
    Classifier,
    /// A 2-D DDPM denoiser on a toy data set.
    Ddpm2d(Toy),
    /// The conditional U-Net of lesson 10.
    Unet,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Toy {
    SwissRoll,
    Land,
}

/// Steps of the 2-D diffusion (linear schedule). The avatar U-Net's (cosine) live beside
/// the U-Net in `diffusion`.
pub const T_2D: usize = 100;

pub use super::diffusion::{schedule_unet, T_UNET};

/// The probability that training drops all conditions (and, otherwise, each feature), so
/// one network learns the conditional and the unconditional model (classifier-free guidance).
pub const DROP_ALL: f64 = 0.15;
pub const DROP_EACH: f64 = 0.3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    pub name: &'static str,
    pub arch: Arch,
    pub seed: u64,
    pub steps: u64,
    pub batch: usize,
    pub lr: f32,
    /// Weight of the KL term (VAEs only).
    pub beta: f32,
    /// Where set, `cargo xtask train` saves an exponential moving average of the weights
    /// (this decay per 10-step chunk) instead of the last ones: diffusion models sample
    /// far better from averaged weights.
    pub ema: Option<f32>,
}

pub const RECIPES: &[Recipe] = &[
    Recipe {
        name: "jar-ae",
        arch: Arch::Jar,
        seed: 4,
        steps: 3000,
        batch: 64,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "avatar-ae",
        arch: Arch::Avatar(Kind::Plain),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 1.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae-b4",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 4.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae-b025",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.25,
        ema: None,
    },
    Recipe {
        name: "feature-classifier",
        arch: Arch::Classifier,
        seed: 6,
        steps: 1500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
];

/// The lesson-10 recipes (kept apart so older lessons' tests do not wait for them).
pub const DIFFUSION_RECIPES: &[Recipe] = &[
    Recipe {
        name: "ddpm-swiss-roll",
        arch: Arch::Ddpm2d(Toy::SwissRoll),
        seed: 10,
        steps: 3000,
        batch: 256,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "ddpm-land",
        arch: Arch::Ddpm2d(Toy::Land),
        seed: 10,
        steps: 3000,
        batch: 256,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    // The shipped weights took two runs: steps 1–9110 predicting ε (before the U-Net
    // predicted v), then `--init` from that file to step 17590 predicting v (see the
    // manifest's "init"). A run from scratch predicts v throughout.
    Recipe {
        name: "avatar-unet",
        arch: Arch::Unet,
        seed: 12,
        steps: 17590,
        batch: 32,
        lr: 1e-3,
        beta: 0.0,
        ema: Some(0.995),
    },
];

/// Every recipe, in the order `cargo xtask train all` runs them.
pub fn all_recipes() -> impl Iterator<Item = &'static Recipe> {
    RECIPES.iter().chain(DIFFUSION_RECIPES)
}

pub fn recipe(name: &str) -> Option<&'static Recipe> {
    all_recipes().find(|r| r.name == name)
}

/// A built network.
// A handful are built per page, so boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Net {
    Jar(JarAe),
    Avatar(AvatarAe),
    Classifier(FeatureClassifier),
    Denoiser2d(Denoiser2d),
    Unet(Unet),
}

impl Recipe {
    pub fn dataset(&self) -> &'static str {
        match self.arch {
            Arch::Jar => jars::VERSION,
            Arch::Ddpm2d(Toy::SwissRoll) => "swiss-roll-1",
            Arch::Ddpm2d(Toy::Land) => "land-1",
            _ => AVATAR_VERSION,
        }
    }

    /// The network with freshly initialised weights on `dev` (fixed by the seed).
    pub fn build(&self, dev: &Device) -> (Net, Params) {
        self.build_with_seed(self.seed, dev)
    }

    pub fn build_with_seed(&self, seed: u64, dev: &Device) -> (Net, Params) {
        let mut p = Params::default();
        let mut rng = Rng::new(seed);
        let net = match self.arch {
            Arch::Jar => Net::Jar(JarAe::new(&mut p, &mut rng, dev)),
            Arch::Avatar(kind) => {
                Net::Avatar(AvatarAe::new(kind, AVATAR_LATENT, &mut p, &mut rng, dev))
            }
            Arch::Classifier => Net::Classifier(FeatureClassifier::new(&mut p, &mut rng, dev)),
            Arch::Ddpm2d(_) => Net::Denoiser2d(Denoiser2d::new(&mut p, &mut rng, dev)),
            Arch::Unet => Net::Unet(Unet::new(&mut p, &mut rng, dev)),
        };
        (net, p)
    }

    pub fn optimizer(&self) -> Optimizer {
        Optimizer::adam(self.lr)
    }

    /// The loss at `step` (1-based): the batch is drawn from a generator seeded by the
    /// recipe's seed and the step, so resuming, chunking or switching devices never
    /// changes which data a step sees.
    pub fn loss<'t>(
        &self,
        net: &Net,
        beta: f32,
        tape: &'t Tape,
        p: &[Var<'t>],
        step: u64,
        dev: &Device,
    ) -> Result<(Var<'t>, Vec<(String, Var<'t>)>)> {
        let mut rng = Rng::new(
            self.seed
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(step),
        );
        let noise_seed = rng.next_u32() as u64;
        match net {
            Net::Denoiser2d(m) => {
                let Arch::Ddpm2d(toy) = self.arch else {
                    unreachable!("a 2-D denoiser comes from a 2-D recipe")
                };
                let pts = match toy {
                    Toy::SwissRoll => diffusion::swiss_roll(self.batch, &mut rng),
                    Toy::Land => diffusion::land_points(self.batch, &mut rng),
                };
                let s = schedule_2d();
                let ts: Vec<usize> = (0..self.batch)
                    .map(|_| 1 + rng.below(T_2D as u32) as usize)
                    .collect();
                let x0 = Tensor::new(
                    pts.iter().flat_map(|p| [p.0 as f32, p.1 as f32]).collect(),
                    &[self.batch, 2],
                    dev,
                )?;
                let eps = Tensor::random(&[self.batch, 2], noise_seed, true, dev);
                let xt = diffusion::q_sample(s, &x0, &ts, &eps)?;
                let temb = diffusion::time_embedding(
                    &ts.iter().map(|&t| t as f64).collect::<Vec<_>>(),
                    diffusion::TIME_DIM_2D,
                    dev,
                )?;
                let pred = m.forward(p, &tape.leaf(xt), &tape.leaf(temb))?;
                Ok((mse(&pred, &tape.leaf(eps))?, vec![]))
            }
            Net::Unet(m) => {
                let pd = ae::pdata();
                let people: Vec<_> = (0..self.batch).map(|_| pd.sample(&mut rng)).collect();
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
                let x0 =
                    ae::rows_tensor(&rows, AVATAR_D, dev)?.reshape(&[self.batch, 3, 32, 32])?;
                let s = schedule_unet();
                let ts: Vec<usize> = (0..self.batch)
                    .map(|_| 1 + rng.below(T_UNET as u32) as usize)
                    .collect();
                let eps = Tensor::random(&[self.batch, 3, 32, 32], noise_seed, true, dev);
                let xt = diffusion::q_sample(s, &x0, &ts, &eps)?;
                let v = diffusion::v_target(s, &x0, &ts, &eps)?;
                let pred = m.forward(
                    tape,
                    p,
                    &tape.leaf(xt),
                    &ts.iter().map(|&t| t as f64).collect::<Vec<_>>(),
                    &cond,
                )?;
                Ok((mse(&pred, &tape.leaf(v))?, vec![]))
            }
            Net::Jar(m) => {
                let set = jar_training_set();
                let rows: Vec<Vec<f32>> = (0..self.batch)
                    .map(|_| set[rng.below(set.len() as u32) as usize].1.clone())
                    .collect();
                let x = ae::rows_tensor(&rows, JAR_D, dev)?;
                ae::ae_loss(m, tape, p, x, 0.0, noise_seed)
            }
            Net::Avatar(m) => {
                let people = ae::training_people(self.batch, &mut rng);
                let rows: Vec<Vec<f32>> = people.iter().map(ae::avatar_input).collect();
                let x = ae::rows_tensor(&rows, AVATAR_D, dev)?;
                ae::ae_loss(m, tape, p, x, beta, noise_seed)
            }
            Net::Classifier(m) => {
                // Every combination, uniformly (rare people must be read as well as common
                // ones), half of them blurred like a decoder's output.
                let people: Vec<_> = (0..self.batch)
                    .map(|_| {
                        crate::data::Avatar::from_index(
                            rng.below(crate::data::avatar::N_COMBINATIONS as u32) as usize,
                        )
                    })
                    .collect();
                let rows: Vec<Vec<f32>> = people
                    .iter()
                    .map(|a| {
                        let x = ae::avatar_input(a);
                        if rng.uniform() < 0.5 {
                            ae::blur(&x)
                        } else {
                            x
                        }
                    })
                    .collect();
                let x = ae::rows_tensor(&rows, AVATAR_D, dev)?;
                let l = m.loss(tape, p, x, &people)?;
                Ok((l, vec![]))
            }
        }
    }

    /// A trainer at step 0 for this recipe on `dev`.
    pub async fn trainer(&self, dev: &Device) -> std::result::Result<(Net, Trainer), TrainError> {
        let (net, params) = self.build(dev);
        let t = Trainer::new(params, self.optimizer(), dev.clone()).await?;
        Ok((net, t))
    }

    /// The manifest written beside the weights: what produced them and a checksum.
    /// `init` names the file a run went on from (`train --init`), if any.
    pub fn manifest(
        &self,
        steps: u64,
        final_loss: f32,
        weights: &[u8],
        init: Option<&str>,
    ) -> String {
        Manifest {
            model: self.name.to_string(),
            seed: self.seed,
            steps,
            init: init.map(str::to_string),
            batch: self.batch,
            lr: self.lr,
            beta: self.beta,
            final_loss,
            ema: self.ema,
            dataset: self.dataset().to_string(),
            bytes: weights.len(),
            fnv1a64: format!("{:016x}", fnv1a64(weights)),
        }
        .to_json()
    }

    /// Metadata stored inside the safetensors file.
    pub fn metadata(&self, steps: u64, final_loss: f32) -> HashMap<String, String> {
        HashMap::from([
            ("model".to_string(), self.name.to_string()),
            ("seed".to_string(), self.seed.to_string()),
            ("steps".to_string(), steps.to_string()),
            ("beta".to_string(), self.beta.to_string()),
            ("final_loss".to_string(), final_loss.to_string()),
            ("dataset".to_string(), self.dataset().to_string()),
        ])
    }
}

/// The schedule of the 2-D diffusion models.
pub fn schedule_2d() -> &'static Schedule {
    static S: OnceLock<Schedule> = OnceLock::new();
    S.get_or_init(|| Schedule::new(ScheduleKind::Linear, T_2D))
}

/// The jars the jar autoencoder trains on: 2000 of them, drawn once.
pub fn jar_training_set() -> &'static [(jars::Jar, Vec<f32>)] {
    static S: OnceLock<Vec<(jars::Jar, Vec<f32>)>> = OnceLock::new();
    S.get_or_init(|| {
        jars::sample(2000, 11)
            .into_iter()
            .map(|j| (j, j.render()))
            .collect()
    })
}

/// FNV-1a, 64-bit: a checksum for manifests (not a security measure).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Dispatch helpers so callers need not match on the network.
impl Net {
    pub fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        match self {
            Net::Jar(m) => Some(m),
            Net::Avatar(m) => Some(m),
            _ => None,
        }
    }
}

/// The CPU inference helpers of [`ae`] for any autoencoder, object-safe.
pub trait AutoEncoderDyn {
    fn kind(&self) -> Kind;
    fn latent(&self) -> usize;
    fn encode(&self, params: &Params, xs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>>;
    fn decode(&self, params: &Params, zs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>>;
    fn recon_error(&self, params: &Params, xs: &[Vec<f32>]) -> Result<Vec<f64>>;
    fn kl(&self, params: &Params, xs: &[Vec<f32>]) -> Result<f64>;
}

impl<M: AutoEncoder> AutoEncoderDyn for M {
    fn kind(&self) -> Kind {
        AutoEncoder::kind(self)
    }
    fn latent(&self) -> usize {
        AutoEncoder::latent(self)
    }
    fn encode(&self, params: &Params, xs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
        ae::encode_cpu(self, params, xs)
    }
    fn decode(&self, params: &Params, zs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
        ae::decode_cpu(self, params, zs)
    }
    fn recon_error(&self, params: &Params, xs: &[Vec<f32>]) -> Result<Vec<f64>> {
        ae::recon_error_cpu(self, params, xs)
    }
    fn kl(&self, params: &Params, xs: &[Vec<f32>]) -> Result<f64> {
        ae::kl_cpu(self, params, xs)
    }
}
