//! Lesson 2's models of the five fashion features: the full table (maximum likelihood),
//! the full table with Laplace smoothing, and naive Bayes; plus KL divergence to the truth.

use crate::data::avatar::{Avatar, CARDINALITIES, N_COMBINATIONS};
use crate::data::Rng;

/// Counts of every combination in a data set: the sufficient statistic of the full table.
#[derive(Clone, Debug, PartialEq)]
pub struct FullTable {
    pub counts: Vec<u32>,
    pub n: u32,
}

impl FullTable {
    pub fn fit(data: &[Avatar]) -> Self {
        let mut counts = vec![0u32; N_COMBINATIONS];
        for a in data {
            counts[a.index()] += 1;
        }
        FullTable {
            counts,
            n: data.len() as u32,
        }
    }

    /// Maximum likelihood: θ_j = n_j / N.
    pub fn mle(&self, a: &Avatar) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.counts[a.index()] as f64 / self.n as f64
    }

    /// Laplace smoothing: θ_j = (n_j + 1) / (N + d), d = 4032.
    pub fn laplace(&self, a: &Avatar) -> f64 {
        (self.counts[a.index()] as f64 + 1.0) / (self.n as f64 + N_COMBINATIONS as f64)
    }

    /// How many combinations have a non-zero count.
    pub fn seen(&self) -> usize {
        self.counts.iter().filter(|&&c| c > 0).count()
    }

    pub fn mle_table(&self) -> Vec<f64> {
        (0..N_COMBINATIONS)
            .map(|i| self.mle(&Avatar::from_index(i)))
            .collect()
    }

    pub fn laplace_table(&self) -> Vec<f64> {
        (0..N_COMBINATIONS)
            .map(|i| self.laplace(&Avatar::from_index(i)))
            .collect()
    }

    /// A draw from the maximum-likelihood table: always a combination already seen.
    pub fn sample_mle(&self, rng: &mut Rng) -> Avatar {
        let w: Vec<f64> = self.counts.iter().map(|&c| c as f64).collect();
        Avatar::from_index(rng.categorical(&w))
    }
}

/// Naive Bayes: the features are modelled as independent, θ_kl = n_kl / N.
#[derive(Clone, Debug, PartialEq)]
pub struct NaiveBayes {
    /// counts[k][l]: how often feature k took value l.
    pub counts: [Vec<u32>; 5],
    pub n: u32,
}

impl NaiveBayes {
    pub fn new() -> Self {
        NaiveBayes {
            counts: CARDINALITIES.map(|c| vec![0; c]),
            n: 0,
        }
    }

    /// Counts one more observation (the lesson steps through the data one at a time).
    pub fn observe(&mut self, a: &Avatar) {
        for k in 0..5 {
            self.counts[k][a.get(k)] += 1;
        }
        self.n += 1;
    }

    pub fn fit(data: &[Avatar]) -> Self {
        let mut m = Self::new();
        data.iter().for_each(|a| m.observe(a));
        m
    }

    /// θ_kl, the estimated probability that feature k takes value l.
    pub fn theta(&self, k: usize, l: usize) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.counts[k][l] as f64 / self.n as f64
    }

    /// p(x) = Π_k θ_{k, x_k}.
    pub fn prob(&self, a: &Avatar) -> f64 {
        (0..5).map(|k| self.theta(k, a.get(k))).product()
    }

    pub fn table(&self) -> Vec<f64> {
        (0..N_COMBINATIONS)
            .map(|i| self.prob(&Avatar::from_index(i)))
            .collect()
    }

    /// θ_kl with `alpha` pseudo-counts per value: (n_kl + α) / (N + α d_k).
    pub fn theta_smoothed(&self, k: usize, l: usize, alpha: f64) -> f64 {
        (self.counts[k][l] as f64 + alpha) / (self.n as f64 + alpha * CARDINALITIES[k] as f64)
    }

    /// The whole table under per-feature smoothing.
    pub fn table_smoothed(&self, alpha: f64) -> Vec<f64> {
        (0..N_COMBINATIONS)
            .map(|i| {
                let a = Avatar::from_index(i);
                (0..5)
                    .map(|k| self.theta_smoothed(k, a.get(k), alpha))
                    .product()
            })
            .collect()
    }

    /// Each feature drawn on its own from its estimated marginal.
    pub fn sample(&self, rng: &mut Rng) -> Avatar {
        let mut v = [0u8; 5];
        for (vk, counts) in v.iter_mut().zip(&self.counts) {
            let w: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
            *vk = rng.categorical(&w) as u8;
        }
        Avatar(v)
    }

    /// Number of free parameters: Σ (d_k − 1) = 23.
    pub fn free_parameters() -> usize {
        CARDINALITIES.iter().map(|c| c - 1).sum()
    }
}

impl Default for NaiveBayes {
    fn default() -> Self {
        Self::new()
    }
}

/// KL(p ‖ q) = Σ p log(p / q) in nats; infinite where q = 0 < p.
pub fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&pi, &qi)| {
            if pi == 0.0 {
                0.0
            } else if qi == 0.0 {
                f64::INFINITY
            } else {
                pi * (pi / qi).ln()
            }
        })
        .sum()
}

/// The product of the true marginals: the best any naive-Bayes model can do.
pub fn independent_of_marginals(marginals: &[Vec<f64>; 5]) -> Vec<f64> {
    (0..N_COMBINATIONS)
        .map(|i| {
            let a = Avatar::from_index(i);
            (0..5).map(|k| marginals[k][a.get(k)]).product()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PData;

    fn small() -> Vec<Avatar> {
        vec![
            Avatar([1, 7, 2, 4, 3]),
            Avatar([1, 7, 2, 4, 3]),
            Avatar([0, 1, 0, 5, 5]),
            Avatar([2, 7, 3, 5, 0]),
        ]
    }

    #[test]
    fn mle_and_laplace_by_hand() {
        let t = FullTable::fit(&small());
        assert_eq!(t.mle(&Avatar([1, 7, 2, 4, 3])), 0.5);
        assert_eq!(t.mle(&Avatar([0, 1, 0, 5, 5])), 0.25);
        assert_eq!(t.mle(&Avatar([0, 0, 0, 0, 0])), 0.0);
        assert_eq!(t.laplace(&Avatar([1, 7, 2, 4, 3])), 3.0 / 4036.0);
        assert_eq!(t.laplace(&Avatar([0, 0, 0, 0, 0])), 1.0 / 4036.0);
        assert_eq!(t.seen(), 3);
        assert!((t.laplace_table().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((t.mle_table().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn naive_bayes_by_hand() {
        let m = NaiveBayes::fit(&small());
        assert_eq!(m.theta(0, 1), 0.5); // round glasses: 2 of 4
        assert_eq!(m.theta(1, 7), 0.75); // white: 3 of 4
        assert_eq!(m.theta(3, 5), 0.5); // silver grey: 2 of 4
        assert_eq!(m.theta(4, 6), 0.0);
        // p(round glasses, white, scoop, silver, long straight) = .5 · .75 · .5 · .5 · .5
        let p = m.prob(&Avatar([1, 7, 2, 5, 3]));
        assert!((p - 0.5 * 0.75 * 0.5 * 0.5 * 0.5).abs() < 1e-15);
        assert!((m.table().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(NaiveBayes::free_parameters(), 23);
        assert!((m.theta_smoothed(4, 6, 1.0) - 1.0 / 11.0).abs() < 1e-15);
        assert!((m.table_smoothed(1.0).iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn naive_bayes_cannot_beat_the_product_of_marginals() {
        let p = PData::default();
        let truth = p.table();
        let marg = [0, 1, 2, 3, 4].map(|k| p.marginal(k));
        let floor = kl(&truth, &independent_of_marginals(&marg));
        assert!(floor > 0.01, "P_data has correlations, floor = {floor}");
        let nb = NaiveBayes::fit(&p.sample_n(20_000, 2));
        let k = kl(&truth, &nb.table());
        assert!(k >= floor - 1e-9 && k < floor + 0.02, "{k} vs {floor}");
    }

    #[test]
    fn kl_properties() {
        let p = [0.5, 0.5, 0.0];
        assert_eq!(kl(&p, &p), 0.0);
        assert!(kl(&p, &[1.0, 0.0, 0.0]).is_infinite());
        assert!((kl(&p, &[0.25, 0.25, 0.5]) - (2f64).ln()).abs() < 1e-12);
    }

    #[test]
    fn samplers_respect_their_models() {
        let data = small();
        let t = FullTable::fit(&data);
        let nb = NaiveBayes::fit(&data);
        let mut rng = Rng::new(1);
        for _ in 0..200 {
            assert!(t.mle(&t.sample_mle(&mut rng)) > 0.0);
            assert!(nb.prob(&nb.sample(&mut rng)) > 0.0);
        }
    }
}
