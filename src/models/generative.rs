//! The common face of the course's generative models: what each is called, where it sits
//! on the map of model families (lesson 11), how many parameters it has, what kind of
//! likelihood it gives, and samples: people (the five features) or 32×32 images. Lessons
//! 6–11 implement it for their models; the map measures every model through it.
//!
//! Sampling here runs on the CPU and returns when done (for tables and tests); the page's
//! step-by-step sampling on its device goes through the run kit instead.

use super::pixel::PixelModel;
use super::tabular::{FullTable, NaiveBayes};
use crate::data::{Avatar, Rng};

/// The families of lesson 11's map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Explicit density, computed exactly (tables, naive Bayes, autoregressive models, flows).
    Tractable,
    /// Explicit density, approximated or bounded (VAEs, diffusion).
    Approximate,
    /// Samples without a density (GANs, a plain autoencoder decoding noise).
    Implicit,
    /// An unnormalised energy (EBMs, RBMs).
    Energy,
}

/// What a model can say of log p(x).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likelihood {
    Exact,
    /// A lower bound (the ELBO).
    Bound,
    None,
}

/// A batch of samples.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    People(Vec<Avatar>),
    /// 32×32 RGB bytes, row-major, 3 bytes a pixel.
    Images(Vec<Vec<u8>>),
}

impl Samples {
    pub fn len(&self) -> usize {
        match self {
            Samples::People(p) => p.len(),
            Samples::Images(i) => i.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub trait Generative {
    fn name(&self) -> String;
    fn family(&self) -> Family;
    /// Free parameters (learnt numbers).
    fn parameters(&self) -> usize;
    fn likelihood(&self) -> Likelihood;
    /// `n` samples from a generator seeded by `seed`.
    fn sample(&self, n: usize, seed: u64) -> Result<Samples, String>;
    /// log p(person) in nats, for models of people with an exact likelihood.
    fn log_prob_person(&self, _a: &Avatar) -> Option<f64> {
        None
    }
}

impl Generative for NaiveBayes {
    fn name(&self) -> String {
        "naive Bayes".into()
    }
    fn family(&self) -> Family {
        Family::Tractable
    }
    fn parameters(&self) -> usize {
        NaiveBayes::free_parameters()
    }
    fn likelihood(&self) -> Likelihood {
        Likelihood::Exact
    }
    fn sample(&self, n: usize, seed: u64) -> Result<Samples, String> {
        let mut rng = Rng::new(seed);
        Ok(Samples::People(
            (0..n).map(|_| NaiveBayes::sample(self, &mut rng)).collect(),
        ))
    }
    fn log_prob_person(&self, a: &Avatar) -> Option<f64> {
        Some(self.prob(a).ln())
    }
}

impl Generative for FullTable {
    fn name(&self) -> String {
        "full table (maximum likelihood)".into()
    }
    fn family(&self) -> Family {
        Family::Tractable
    }
    fn parameters(&self) -> usize {
        crate::data::avatar::N_COMBINATIONS - 1
    }
    fn likelihood(&self) -> Likelihood {
        Likelihood::Exact
    }
    fn sample(&self, n: usize, seed: u64) -> Result<Samples, String> {
        let mut rng = Rng::new(seed);
        Ok(Samples::People(
            (0..n).map(|_| self.sample_mle(&mut rng)).collect(),
        ))
    }
    fn log_prob_person(&self, a: &Avatar) -> Option<f64> {
        Some(self.mle(a).ln())
    }
}

impl Generative for PixelModel {
    fn name(&self) -> String {
        "independent pixels".into()
    }
    fn family(&self) -> Family {
        Family::Tractable
    }
    fn parameters(&self) -> usize {
        self.free_parameters()
    }
    fn likelihood(&self) -> Likelihood {
        Likelihood::Exact
    }
    fn sample(&self, n: usize, seed: u64) -> Result<Samples, String> {
        let mut rng = Rng::new(seed);
        Ok(Samples::Images(
            (0..n).map(|_| PixelModel::sample(self, &mut rng)).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PData;

    #[test]
    fn tabular_models_sample_people_and_give_exact_log_probabilities() {
        let data = PData::default().sample_n(500, 3);
        let nb = NaiveBayes::fit(&data);
        let table = FullTable::fit(&data);
        let models: [&dyn Generative; 2] = [&nb, &table];
        for m in models {
            assert_eq!(m.family(), Family::Tractable);
            assert_eq!(m.likelihood(), Likelihood::Exact);
            let Samples::People(people) = m.sample(40, 9).unwrap() else {
                panic!("{} gives people", m.name())
            };
            assert_eq!(people.len(), 40);
            // Every sample has positive probability under its own model.
            assert!(people
                .iter()
                .all(|a| m.log_prob_person(a).unwrap().is_finite()));
            assert_eq!(m.sample(40, 9).unwrap(), Samples::People(people));
        }
        assert_eq!((nb.parameters(), table.parameters()), (23, 4031));
        let a = data[0];
        assert!((nb.log_prob_person(&a).unwrap() - nb.prob(&a).ln()).abs() < 1e-12);
    }

    #[test]
    fn the_pixel_model_samples_images_of_its_size() {
        let imgs: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i * 40; 3 * 32 * 32]).collect();
        let m = PixelModel::fit(&imgs, 1.0);
        let Samples::Images(out) = Generative::sample(&m, 3, 1).unwrap() else {
            panic!()
        };
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|i| i.len() == 3 * 32 * 32));
        assert_eq!(m.parameters(), 3 * 32 * 32 * 255);
    }
}
