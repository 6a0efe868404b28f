//! Generated people against the truth: what the feature classifier reads in a model's
//! samples, set beside P_data. Each feature's shares, their total-variation distance to
//! P_data's, and diversity: how many distinct feature combinations N samples hold,
//! against what N draws from P_data hold on average.

use crate::data::avatar::CARDINALITIES;
use crate::data::draw;
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

/// How much pictures change from one pixel to the next: the mean absolute difference
/// between horizontally and between vertically neighbouring values, over every channel of
/// channel-first 32×32 colour images with values in [0, 1]. Avatar World's people are flat
/// colours with sharp edges; speckle raises the figure above theirs. (Blurring an edge
/// spreads its change over more pairs without removing it, so blur moves it little.)
pub fn pixel_change(images: &[Vec<f32>]) -> f64 {
    let s = draw::SIZE;
    let (mut total, mut pairs) = (0.0, 0usize);
    for im in images {
        for plane in im.chunks_exact(s * s) {
            for y in 0..s {
                let row = &plane[y * s..(y + 1) * s];
                for x in 0..s {
                    if x + 1 < s {
                        total += (row[x] - row[x + 1]).abs() as f64;
                        pairs += 1;
                    }
                    if y + 1 < s {
                        total += (row[x] - plane[(y + 1) * s + x]).abs() as f64;
                        pairs += 1;
                    }
                }
            }
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
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
    /// The samples' [`pixel_change`], where their pictures were at hand.
    pub pixel_change: Option<f64>,
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
            pixel_change: None,
        }
    }

    /// With the [`pixel_change`] of the pictures the people were read from.
    pub fn with_pictures(mut self, images: &[Vec<f32>]) -> Verdict {
        self.pixel_change = Some(pixel_change(images));
        self
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
    fn pixel_change_is_zero_on_flat_colour_and_one_on_a_checkerboard() {
        let s = draw::SIZE;
        assert_eq!(pixel_change(&[vec![0.4; 3 * s * s]]), 0.0);
        let board: Vec<f32> = (0..3 * s * s)
            .map(|i| ((i % s + (i / s) % s) % 2) as f32)
            .collect();
        assert!((pixel_change(&[board]) - 1.0).abs() < 1e-12);
        // One vertical edge in one channel: 32 of the 3 · 2 · 32 · 31 neighbouring pairs.
        let edge: Vec<f32> = (0..3 * s * s)
            .map(|i| if i < s * s && i % s >= 16 { 1.0 } else { 0.0 })
            .collect();
        let want = 32.0 / (3.0 * 2.0 * 32.0 * 31.0);
        assert!((pixel_change(&[edge]) - want).abs() < 1e-12);
    }

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
