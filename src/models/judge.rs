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
    fn total_variation_of_disjoint_distributions_is_one() {
        assert!((total_variation(&[1.0, 0.0], &[0.0, 1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(total_variation(&[0.3, 0.7], &[0.3, 0.7]), 0.0);
    }
}
