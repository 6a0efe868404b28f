//! The trained networks the lessons ship: for each, a recipe (seed, steps, batch, learning
//! rate, β, data set) that `cargo xtask train <name>` runs natively to produce the committed
//! weights, that the tests run for a few steps, and that the page runs when the reader
//! trains from scratch. One recipe, three users: the shipped file is reproducible.

mod autoencoders;
mod boltzmann;
mod denoisers;
mod energies;
mod flows;
mod gans;
mod generators;
mod names;
mod pixels;
mod prior;
mod recipes;

pub use autoencoders::{classified, Avatars, Classifier, Jars};
pub use boltzmann::{AvatarRbm, BINARY_AVATAR_VERSION};
pub use denoisers::{Ddpm2d, Toy, ToyDenoiser, UnetArch, DROP_ALL, DROP_EACH};
pub use energies::{Plane2dEnergy, EBM_DATA_VERSION};
pub use flows::{Plane2d, FLOW_DATA_VERSION};
pub use gans::{AvatarGan, Ring2d, RING_VERSION};
pub use generators::ImageGenerator;
pub use names::{CharLm, NamesGpt, NamesMlp};
pub use pixels::{AvatarPixels, PixelRun};
pub use recipes::{
    all_recipes, recipe, AR_RECIPES, DIFFUSION_RECIPES, EBM_RECIPES, FLOW_RECIPES, GAN_RECIPES,
    RBM_RECIPES, RECIPES,
};

use super::autoencoder::{self as ae, AutoEncoder, Kind};
use super::diffusion::{Schedule, ScheduleKind};
pub use super::manifest::Manifest;
use crate::autodiff::{Tape, Var};
use crate::data::{jars, Rng};
use crate::nn::optim::Optimizer;
use crate::nn::Params;
use crate::tensor::{Device, Result};
use crate::train::{Group, TrainError, Trainer};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Latent size of the avatar autoencoders.
pub const AVATAR_LATENT: usize = 8;
/// Version of the avatar data (the drawing and P_data); recorded in manifests.
pub const AVATAR_VERSION: &str = "avatar-world-1";

/// Steps of the 2-D diffusion (linear schedule). The avatar U-Net's (cosine) live beside
/// the U-Net in `diffusion`.
pub const T_2D: usize = 100;

pub use super::diffusion::{schedule_unet, T_UNET};

#[derive(Clone, Copy, Debug)]
pub struct Recipe {
    pub name: &'static str,
    /// What network it builds and what data it trains on.
    pub arch: &'static dyn Arch,
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

/// A built network: any [`Model`], shared cheaply. Callers that need one kind ask for it
/// by type ([`Net::get`]); nothing matches on a closed list.
#[derive(Clone, Debug)]
pub struct Net(Arc<dyn Model>);

impl Net {
    pub fn new(m: impl Model) -> Net {
        Net(Arc::new(m))
    }

    /// The network as its own type, if it is one.
    pub fn get<M: Model>(&self) -> Option<&M> {
        // Through the trait object: `self.0.as_any()` would find the blanket `AsAny` of the
        // `Arc` itself and never match.
        (*self.0).as_any().downcast_ref::<M>()
    }

    /// The network as an autoencoder, if it is one.
    /// [`Model::call`] of this network.
    pub fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        self.0.call(p, function, rows, args)
    }

    pub fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        self.0.as_autoencoder()
    }

    /// [`Model::publish_every_ms`] of this network.
    pub fn publish_every_ms(&self) -> Option<f64> {
        self.0.publish_every_ms()
    }

    /// [`Model::sampler`] of this network.
    pub fn sampler(
        &self,
        p: &Params,
        spec: &SampleSpec,
        dev: &Device,
    ) -> Option<Box<dyn SampleRun>> {
        self.0.sampler(p, spec, dev)
    }
}

/// What one training step gives a model: the recipe's batch size and β, the step's seeded
/// generator (which draws its data) and noise seed, and the device the parameters are on.
pub struct StepData<'a> {
    pub batch: usize,
    pub beta: f32,
    pub rng: &'a mut Rng,
    pub noise_seed: u64,
    pub dev: &'a Device,
}

pub use super::sampling::{SampleRun, SampleSpec};
pub use crate::train::LossParts;

/// A trainable network of the course: its training loss, and what else it can be used as.
/// A new model is a type implementing this (and an [`Arch`] that builds it), plus one
/// [`Recipe`] line.
pub trait Model: AsAny + std::fmt::Debug {
    /// The loss of one step on the data `s` draws.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>>;

    /// The parts of one training step, updated in this order, each with its parameters and
    /// optimiser (a GAN: the discriminator, then the generator). Default: one part holding
    /// every parameter, Adam at the recipe's `lr`.
    fn groups(&self, params: &Params, lr: f32) -> Vec<Group> {
        vec![Group::new(
            "all",
            0..params.values.len(),
            Optimizer::adam(lr),
        )]
    }

    /// The loss of part `group` (see [`Model::groups`]) for one step; a model of one part
    /// has its [`Model::loss`].
    fn group_loss<'t>(
        &self,
        group: usize,
        tape: &'t Tape,
        p: &[Var<'t>],
        s: StepData,
    ) -> Result<LossParts<'t>> {
        let _ = group;
        self.loss(tape, p, s)
    }

    fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        None
    }

    /// A sampling run of `spec` with the weights `p` (any device), on `dev`: what the
    /// engine steps for the page and [`ImageGenerator`] runs natively. `None`: this model
    /// does not sample that kind.
    fn sampler(&self, p: &Params, spec: &SampleSpec, dev: &Device) -> Option<Box<dyn SampleRun>> {
        let _ = (p, spec, dev);
        None
    }

    /// A named function of the trained network on rows of numbers and a few scalar
    /// arguments (CPU): what the page asks the engine for. Autoencoders answer "encode",
    /// "decode", "reconstruct", "recon-error" (a row of one number per input) and "kl" (one
    /// row of one: the mean KL per input). `None`: this model has no function of that name.
    /// How often a run in the page should hand the page new weights, where more often than
    /// the engine's default suits it (a model drawn live as it learns). `None`: the default.
    fn publish_every_ms(&self) -> Option<f64> {
        None
    }

    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let _ = args;
        let ae = self.as_autoencoder()?;
        let single = |v: f64| vec![v as f32];
        Some(match function {
            "encode" => ae.encode(p, rows),
            "decode" => ae.decode(p, rows),
            "reconstruct" => ae.encode(p, rows).and_then(|z| ae.decode(p, &z)),
            "recon-error" => ae
                .recon_error(p, rows)
                .map(|e| e.into_iter().map(single).collect()),
            "kl" => ae.kl(p, rows).map(|k| vec![single(k)]),
            _ => return None,
        })
    }
}

/// `&dyn Any` of any model, so [`Net::get`] can downcast.
pub trait AsAny: std::any::Any {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A kind of network and the data it trains on: builds a fresh one (weights fixed by the
/// generator) and names the data set's version for manifests.
pub trait Arch: Sync + std::fmt::Debug {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net;
    /// The network with the reader's settings (see [`Options`]); a network that takes
    /// none refuses any, with a reason.
    fn build_with(
        &self,
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
        options: &Options,
    ) -> std::result::Result<Net, String> {
        match options.first() {
            None => Ok(self.build(p, rng, dev)),
            Some((name, _)) => Err(format!(
                "this network takes no settings (asked for “{name}”)"
            )),
        }
    }
    fn dataset(&self) -> &'static str;
    /// Whether the shipped weights file holds parameter `name`. All by default; a GAN's
    /// checkpoints keep only the generator, which is all that is sampled from them.
    fn ships(&self, _name: &str) -> bool {
        true
    }
}

/// Settings a reader chose for a run trained in the page: named lists of numbers (a
/// learning rate, the points of a drawn distribution), read by the network's [`Arch`].
pub type Options = [(String, Vec<f32>)];

impl Recipe {
    pub fn dataset(&self) -> &'static str {
        self.arch.dataset()
    }

    /// What `cargo xtask train` writes of trained `params`: those its [`Arch`] ships.
    pub fn shipped_params(&self, params: &Params) -> Params {
        params.only(|n| self.arch.ships(n))
    }

    /// Loads a weights file of this recipe's network into `params` (built by it): the
    /// parameters it ships must be there; any others keep their values.
    pub fn load_weights(
        &self,
        params: &mut Params,
        bytes: &[u8],
        dev: &Device,
    ) -> std::result::Result<HashMap<String, String>, crate::nn::weights::WeightsError> {
        crate::nn::weights::load_part_into(params, bytes, dev, |n| self.arch.ships(n))
    }

    /// The network with freshly initialised weights on `dev` (fixed by the seed).
    pub fn build(&self, dev: &Device) -> (Net, Params) {
        self.build_with_seed(self.seed, dev)
    }

    pub fn build_with_seed(&self, seed: u64, dev: &Device) -> (Net, Params) {
        let mut p = Params::default();
        let mut rng = Rng::new(seed);
        let net = self.arch.build(&mut p, &mut rng, dev);
        (net, p)
    }

    /// The network from `seed` with the reader's settings, or why they do not apply.
    pub fn build_with_options(
        &self,
        seed: u64,
        options: &Options,
        dev: &Device,
    ) -> std::result::Result<(Net, Params), String> {
        let mut p = Params::default();
        let mut rng = Rng::new(seed);
        let net = self.arch.build_with(&mut p, &mut rng, dev, options)?;
        Ok((net, p))
    }

    /// The parts of a training step of `net` (see [`Model::groups`]).
    pub fn groups(&self, net: &Net, params: &Params) -> Vec<Group> {
        net.0.groups(params, self.lr)
    }

    /// The loss at `step` (1-based) of a one-part model (or of a model's first part).
    pub fn loss<'t>(
        &self,
        net: &Net,
        beta: f32,
        tape: &'t Tape,
        p: &[Var<'t>],
        step: u64,
        dev: &Device,
    ) -> Result<LossParts<'t>> {
        self.group_loss(net, beta, 0, tape, p, step, dev)
    }

    /// The loss of part `group` at `step` (1-based): the batch is drawn from a generator
    /// seeded by the recipe's seed, the step and the part, so resuming, chunking or
    /// switching devices never changes which data a step sees.
    #[allow(clippy::too_many_arguments)]
    pub fn group_loss<'t>(
        &self,
        net: &Net,
        beta: f32,
        group: usize,
        tape: &'t Tape,
        p: &[Var<'t>],
        step: u64,
        dev: &Device,
    ) -> Result<LossParts<'t>> {
        let mut rng = Rng::new(
            self.seed
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(step),
        );
        if group > 0 {
            rng = rng.fork(group as u64);
        }
        let noise_seed = rng.next_u32() as u64;
        net.0.group_loss(
            group,
            tape,
            p,
            StepData {
                batch: self.batch,
                beta,
                rng: &mut rng,
                noise_seed,
                dev,
            },
        )
    }

    /// A trainer at step 0 for this recipe on `dev`.
    pub async fn trainer(&self, dev: &Device) -> std::result::Result<(Net, Trainer), TrainError> {
        let (net, params) = self.build(dev);
        let groups = self.groups(&net, &params);
        let t = Trainer::with_groups(params, groups, dev.clone()).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::autoencoder::{AvatarAe, JarAe};
    use crate::models::classifier::FeatureClassifier;
    use crate::models::diffusion::Unet;

    #[test]
    fn every_recipe_builds_the_network_its_users_ask_for() {
        let built = |name: &str| recipe(name).unwrap().build(&Device::Cpu).0;
        assert!(built("jar-ae").get::<JarAe>().is_some());
        assert!(built("avatar-vae").get::<AvatarAe>().is_some());
        assert!(built("avatar-vae").get::<JarAe>().is_none());
        assert!(built("feature-classifier")
            .get::<FeatureClassifier>()
            .is_some());
        assert_eq!(
            built("ddpm-land")
                .get::<ToyDenoiser>()
                .map(|d| d.data.clone()),
            Some(crate::models::plane::Target::Land)
        );
        // A run in the page may train the 2-D denoiser on points the reader drew.
        let ddpm = recipe("ddpm-swiss-roll").unwrap();
        let drawn = [("drawn".to_string(), vec![0.5, 0.5, -0.5, 0.0])];
        let (net, _) = ddpm.build_with_options(1, &drawn, &Device::Cpu).unwrap();
        assert_eq!(
            net.get::<ToyDenoiser>().map(|d| d.data.clone()),
            Some(crate::models::plane::Target::Drawn(vec![
                (0.5, 0.5),
                (-0.5, 0.0)
            ]))
        );
        let lr = [("lr".to_string(), vec![0.1])];
        assert!(ddpm
            .build_with_options(1, &lr, &Device::Cpu)
            .unwrap_err()
            .contains("no setting “lr”"));
        assert!(built("avatar-unet").get::<Unet>().is_some());
        assert!(built("avatar-ae").as_autoencoder().is_some());
        assert!(built("avatar-unet").as_autoencoder().is_none());
        let names: Vec<_> = all_recipes().map(|r| r.name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "two recipes share a name");
    }
}
