//! The trained networks the lessons ship: for each, a recipe (seed, steps, batch, learning
//! rate, β, data set) that `cargo xtask train <name>` runs natively to produce the committed
//! weights, that the tests run for a few steps, and that the page runs when the reader
//! trains from scratch. One recipe, three users: the shipped file is reproducible.

use super::autoencoder::{
    self as ae, AutoEncoder, AvatarAe, FeatureClassifier, JarAe, Kind, AVATAR_D, JAR_D,
};
use crate::autodiff::{Tape, Var};
use crate::data::{jars, Rng};
use crate::nn::optim::Optimizer;
use crate::nn::Params;
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
}

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
    },
    Recipe {
        name: "avatar-ae",
        arch: Arch::Avatar(Kind::Plain),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
    },
    Recipe {
        name: "avatar-vae",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 1.0,
    },
    Recipe {
        name: "avatar-vae-b4",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 4.0,
    },
    Recipe {
        name: "avatar-vae-b025",
        arch: Arch::Avatar(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.25,
    },
    Recipe {
        name: "feature-classifier",
        arch: Arch::Classifier,
        seed: 6,
        steps: 1500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
    },
];

pub fn recipe(name: &str) -> Option<&'static Recipe> {
    RECIPES.iter().find(|r| r.name == name)
}

/// A built network.
#[derive(Clone, Debug)]
pub enum Net {
    Jar(JarAe),
    Avatar(AvatarAe),
    Classifier(FeatureClassifier),
}

impl Recipe {
    pub fn dataset(&self) -> &'static str {
        match self.arch {
            Arch::Jar => jars::VERSION,
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
            Net::Jar(m) => {
                let set = jar_training_set();
                let rows: Vec<Vec<f32>> = (0..self.batch)
                    .map(|_| set[rng.below(set.len() as u32) as usize].1.clone())
                    .collect();
                let x = batch_tensor(&rows, JAR_D, dev)?;
                ae::ae_loss(m, tape, p, x, 0.0, noise_seed)
            }
            Net::Avatar(m) => {
                let people = ae::training_people(self.batch, &mut rng);
                let rows: Vec<Vec<f32>> = people.iter().map(ae::avatar_input).collect();
                let x = batch_tensor(&rows, AVATAR_D, dev)?;
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
                let x = batch_tensor(&rows, AVATAR_D, dev)?;
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
    pub fn manifest(&self, steps: u64, final_loss: f32, weights: &[u8]) -> String {
        format!(
            "{{\n  \"model\": \"{}\",\n  \"seed\": {},\n  \"steps\": {},\n  \"batch\": {},\n  \"lr\": {},\n  \"beta\": {},\n  \"final_loss\": {},\n  \"dataset\": \"{}\",\n  \"bytes\": {},\n  \"fnv1a64\": \"{:016x}\"\n}}\n",
            self.name,
            self.seed,
            steps,
            self.batch,
            self.lr,
            self.beta,
            final_loss,
            self.dataset(),
            weights.len(),
            fnv1a64(weights)
        )
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

fn batch_tensor(rows: &[Vec<f32>], d: usize, dev: &Device) -> Result<Tensor> {
    let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::new(flat, &[rows.len(), d], dev)
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

/// A manifest field, read without a JSON library (the format is ours and flat).
pub fn manifest_field<'a>(manifest: &'a str, key: &str) -> Option<&'a str> {
    let k = format!("\"{key}\":");
    let rest = manifest[manifest.find(&k)? + k.len()..].trim_start();
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"'))
}

/// Dispatch helpers so callers need not match on the network.
impl Net {
    pub fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        match self {
            Net::Jar(m) => Some(m),
            Net::Avatar(m) => Some(m),
            Net::Classifier(_) => None,
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
