//! Lessons 4–5's networks as trainable models: the jar autoencoder, the avatar
//! autoencoders and VAEs, and the feature classifier that reads generated people.

use super::prior::{draw_sampler, FromNoise};
use super::{
    jar_training_set, Arch, AutoEncoderDyn, LossParts, Model, Net, StepData, AVATAR_LATENT,
    AVATAR_VERSION,
};
use crate::autodiff::{Tape, Var};
use crate::data::avatar::N_COMBINATIONS;
use crate::data::{jars, Avatar, Rng};
use crate::models::autoencoder::{self as ae, AutoEncoder, AvatarAe, JarAe, Kind, AVATAR_D, JAR_D};
use crate::models::classifier::{self, FeatureClassifier};
use crate::models::sampling::{SampleRun, SampleSpec};
use crate::nn::Params;
use crate::tensor::{Device, Result, UnaryOp};

/// Lesson 4's jar autoencoder, on the 2000 drawn jars.
#[derive(Debug)]
pub struct Jars;

impl Arch for Jars {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(JarAe::new(p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        jars::VERSION
    }
}

impl Model for JarAe {
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let set = jar_training_set();
        let rows: Vec<Vec<f32>> = (0..s.batch)
            .map(|_| set[s.rng.below(set.len() as u32) as usize].1.clone())
            .collect();
        let x = ae::rows_tensor(&rows, JAR_D, s.dev)?;
        ae::ae_loss(self, tape, p, x, 0.0, s.noise_seed)
    }
    fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        Some(self)
    }
}

/// Lesson 5's avatar autoencoder (plain) or VAE, on people drawn from P_data.
#[derive(Debug)]
pub struct Avatars(pub Kind);

impl Arch for Avatars {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(AvatarAe::new(self.0, AVATAR_LATENT, p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        AVATAR_VERSION
    }
}

impl Model for AvatarAe {
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let people = ae::training_people(s.batch, s.rng);
        let rows: Vec<Vec<f32>> = people.iter().map(ae::avatar_input).collect();
        let x = ae::rows_tensor(&rows, AVATAR_D, s.dev)?;
        ae::ae_loss(self, tape, p, x, s.beta, s.noise_seed)
    }
    fn as_autoencoder(&self) -> Option<&dyn AutoEncoderDyn> {
        Some(self)
    }
    /// `Draw`: people decoded from codes drawn from N(0, I) (the VAE's prior; for a plain
    /// autoencoder, a guess that its codes look like that).
    fn sampler(&self, p: &Params, spec: &SampleSpec, dev: &Device) -> Option<Box<dyn SampleRun>> {
        draw_sampler(self, p, spec, dev)
    }
}

impl FromNoise for AvatarAe {
    fn noise_dim(&self) -> usize {
        AutoEncoder::latent(self)
    }
    /// The decoder's logits through the sigmoid.
    fn draw<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        AutoEncoder::decode(self, p, z)?.unary(UnaryOp::Sigmoid, 0.0)
    }
}

/// The feature classifier: every combination of features, uniformly (rare people must be
/// read as well as common ones), half of them blurred like a decoder's output.
#[derive(Debug)]
pub struct Classifier;

impl Arch for Classifier {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(FeatureClassifier::new(p, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        AVATAR_VERSION
    }
}

impl Model for FeatureClassifier {
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let rng = s.rng;
        let people: Vec<_> = (0..s.batch)
            .map(|_| Avatar::from_index(rng.below(N_COMBINATIONS as u32) as usize))
            .collect();
        let rows: Vec<Vec<f32>> = people
            .iter()
            .map(|a| {
                let x = ae::avatar_input(a);
                if rng.uniform() < 0.5 {
                    classifier::blur(&x)
                } else {
                    x
                }
            })
            .collect();
        let x = ae::rows_tensor(&rows, AVATAR_D, s.dev)?;
        Ok((FeatureClassifier::loss(self, tape, p, x, &people)?, vec![]))
    }

    /// "classify": each image's five predicted feature values (read back by
    /// [`classified`]).
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        _args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        (function == "classify").then(|| {
            self.predict_cpu(p, rows)
                .map(|v| v.iter().map(|r| r.map(|x| x as f32).to_vec()).collect())
        })
    }
}

/// The feature classifier's "classify" answer rows (five values each, see its `call`) as
/// feature values.
pub fn classified(rows: &[Vec<f32>]) -> Vec<[usize; 5]> {
    rows.iter()
        .map(|r| std::array::from_fn(|f| r.get(f).map_or(0, |&v| v as usize)))
        .collect()
}
