//! Generated people against the truth: what the feature classifier reads in a model's
//! samples, set beside P_data. Each feature's shares, their total-variation distance to
//! P_data's, and diversity: how many distinct feature combinations N samples hold,
//! against what N draws from P_data hold on average.

use crate::data::avatar::CARDINALITIES;
use crate::data::PData;

/// Each feature's shares of its values among `people` (five features' value indices).
pub fn shares(people: &[[usize; 5]]) -> Vec<Vec<f64>> {
    (0..5)
        .map(|f| {
            let mut c = vec![0.0; CARDINALITIES[f]];
            for p in people {
                c[p[f]] += 1.0 / people.len().max(1) as f64;
            }
            c
        })
        .collect()
}

/// Total-variation distance of two distributions over the same values: half the summed
/// absolute differences (0: identical, 1: disjoint).
pub fn total_variation(q: &[f64], p: &[f64]) -> f64 {
    0.5 * q.iter().zip(p).map(|(x, y)| (x - y).abs()).sum::<f64>()
}

/// Distinct feature combinations among `people`.
pub fn distinct(people: &[[usize; 5]]) -> usize {
    let mut seen: Vec<[usize; 5]> = people.to_vec();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The distinct combinations `n` independent draws from P_data hold on average:
/// Σ over combinations of 1 − (1 − p)ⁿ.
pub fn expected_distinct(pd: &PData, n: usize) -> f64 {
    pd.table()
        .iter()
        .map(|&p| 1.0 - (1.0 - p).powi(n as i32))
        .sum()
}

/// Each feature's total-variation distance to P_data's marginal that `n` draws from P_data
/// itself show, averaged over `trials` seeded sets: the distance sampling noise alone gives
/// a set of `n` people.
pub fn expected_tv(pd: &PData, n: usize, trials: usize, seed: u64) -> [f64; 5] {
    let mut rng = crate::data::Rng::new(seed);
    let mut sum = [0.0; 5];
    for _ in 0..trials {
        let people: Vec<[usize; 5]> = (0..n)
            .map(|_| {
                let a = pd.sample(&mut rng);
                std::array::from_fn(|f| a.get(f))
            })
            .collect();
        let v = Verdict::of(&people, pd);
        for f in 0..5 {
            sum[f] += v.tv[f] / trials as f64;
        }
    }
    sum
}

/// One model's samples read against P_data.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Each feature's shares among the samples.
    pub shares: Vec<Vec<f64>>,
    /// Each feature's total-variation distance to P_data's marginal.
    pub tv: [f64; 5],
    /// Distinct combinations among the samples.
    pub distinct: usize,
    pub n: usize,
}

impl Verdict {
    pub fn of(people: &[[usize; 5]], pd: &PData) -> Verdict {
        let shares = shares(people);
        let tv = std::array::from_fn(|f| total_variation(&shares[f], &pd.marginal(f)));
        Verdict {
            shares,
            tv,
            distinct: distinct(people),
            n: people.len(),
        }
    }

    /// The features' distances, averaged.
    pub fn mean_tv(&self) -> f64 {
        self.tv.iter().sum::<f64>() / 5.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::avatar::N_COMBINATIONS;

    #[test]
    fn draws_from_p_data_sit_close_to_it_and_a_single_person_far() {
        let pd = PData::default();
        let people: Vec<[usize; 5]> = pd
            .sample_n(4000, 3)
            .iter()
            .map(|a| std::array::from_fn(|f| a.get(f)))
            .collect();
        let v = Verdict::of(&people, &pd);
        assert!(v.mean_tv() < 0.03, "{v:?}");
        let one = vec![people[0]; 500];
        let w = Verdict::of(&one, &pd);
        assert!(w.mean_tv() > 0.3, "{w:?}");
        assert_eq!(w.distinct, 1);
        // Distinct combinations grow with n and stay below both n and every combination.
        let (e1, e2) = (expected_distinct(&pd, 100), expected_distinct(&pd, 1000));
        assert!(
            e1 > 1.0 && e1 <= 100.0 && e1 < e2 && e2 < N_COMBINATIONS as f64,
            "{e1} {e2}"
        );
        assert!((expected_distinct(&pd, 1) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn sampling_noise_shrinks_as_the_set_grows() {
        let pd = PData::default();
        let (small, large) = (expected_tv(&pd, 8, 200, 1), expected_tv(&pd, 512, 50, 1));
        for f in 0..5 {
            assert!(
                small[f] > 2.0 * large[f] && large[f] > 0.0,
                "{small:?} {large:?}"
            );
            assert!(small[f] < 0.6, "{small:?}");
        }
    }

    #[test]
    fn total_variation_of_disjoint_distributions_is_one() {
        assert!((total_variation(&[1.0, 0.0], &[0.0, 1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(total_variation(&[0.3, 0.7], &[0.3, 0.7]), 0.0);
    }
}
