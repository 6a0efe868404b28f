//! Lesson 7's counting models: the chain rule on the five fashion features, and the
//! character bigram on names. Pure arithmetic (no tensors): they fit in milliseconds on
//! the page's thread.
//!
//! The chain rule writes any distribution over outfits as
//! p(x) = p(x₁) p(x₂ | x₁) … p(x₅ | x₁…x₄). With every conditional a table, that is the full
//! table again (4031 free parameters); [`OutfitChain`] makes each conditional a softmax of
//! a sum of one weight vector per earlier feature's value, which shares parameters across
//! contexts (278 free) and can still represent P_data's correlations exactly.

use crate::data::avatar::{Avatar, CARDINALITIES, N_COMBINATIONS};
use crate::data::names::{self, END, VOCAB};
use crate::data::Rng;

/// The chain rule with softmax conditionals: for feature k,
/// p(x_k | x_<k) = softmax(b_k + Σ_{j<k} W_kj[x_j]).
#[derive(Clone, Debug)]
pub struct OutfitChain {
    /// Per feature k: the bias (c_k) then, for each earlier feature j, c_j rows of c_k.
    weights: Vec<Vec<f64>>,
}

/// Precision of the Gaussian prior on the weights: smoothing, so
/// that small data sets give finite divergences and the chain does not overfit them).
const PRIOR: f64 = 12.0;
/// Full-batch Adam iterations of a fit.
const FIT_STEPS: usize = 300;

impl OutfitChain {
    /// Maximum a posteriori weights for `data` (counts of each context, then full-batch Adam
    /// on the mean negative log-likelihood plus the prior).
    pub fn fit(data: &[Avatar]) -> OutfitChain {
        let weights = (0..5).map(|k| fit_conditional(k, data)).collect();
        OutfitChain { weights }
    }

    /// Free parameters: per feature, (c_k − 1) for each of 1 + Σ_{j<k} c_j inputs.
    pub fn free_parameters() -> usize {
        (0..5)
            .map(|k| (CARDINALITIES[k] - 1) * (1 + CARDINALITIES[..k].iter().sum::<usize>()))
            .sum()
    }

    /// p(x_k = · | the first k features of `prefix`).
    pub fn conditional(&self, k: usize, prefix: &[u8]) -> Vec<f64> {
        softmax(&logits(&self.weights[k], k, prefix))
    }

    pub fn prob(&self, a: &Avatar) -> f64 {
        (0..5)
            .map(|k| self.conditional(k, &a.0)[a.get(k)])
            .product()
    }

    /// p of every combination, in [`Avatar::index`] order.
    pub fn table(&self) -> Vec<f64> {
        (0..N_COMBINATIONS)
            .map(|i| self.prob(&Avatar::from_index(i)))
            .collect()
    }
}

/// The full table's free parameters: a chain of tabular conditionals has as many.
pub fn table_chain_parameters() -> usize {
    (0..5)
        .map(|k| (CARDINALITIES[k] - 1) * CARDINALITIES[..k].iter().product::<usize>())
        .sum()
}

/// p(x_k = · | x_<k = prefix) of any joint table over the 4032 combinations (P_data's,
/// or a fitted model's), by summing out the later features.
pub fn conditional_of_table(table: &[f64], k: usize, prefix: &[u8]) -> Vec<f64> {
    let mut out = vec![0.0; CARDINALITIES[k]];
    for (i, p) in table.iter().enumerate() {
        let a = Avatar::from_index(i);
        if a.0[..k] == prefix[..k] {
            out[a.get(k)] += p;
        }
    }
    let s: f64 = out.iter().sum();
    if s > 0.0 {
        out.iter_mut().for_each(|v| *v /= s);
    }
    out
}

fn logits(w: &[f64], k: usize, prefix: &[u8]) -> Vec<f64> {
    let c = CARDINALITIES[k];
    let mut z = w[..c].to_vec();
    let mut at = c;
    for j in 0..k {
        let row = at + prefix[j] as usize * c;
        z.iter_mut()
            .zip(&w[row..row + c])
            .for_each(|(z, w)| *z += w);
        at += CARDINALITIES[j] * c;
    }
    z
}

/// A categorical's probabilities from its logits, in f64.
pub fn softmax<T: Copy + Into<f64>>(z: &[T]) -> Vec<f64> {
    let m = z
        .iter()
        .map(|&v| v.into())
        .fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v.into() - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

fn fit_conditional(k: usize, data: &[Avatar]) -> Vec<f64> {
    let c = CARDINALITIES[k];
    let size = c * (1 + CARDINALITIES[..k].iter().sum::<usize>());
    let mut w = vec![0.0; size];
    if data.is_empty() {
        return w;
    }
    // Counts of x_k per distinct context.
    let mut contexts: std::collections::BTreeMap<[u8; 5], Vec<f64>> = Default::default();
    for a in data {
        let mut key = [0u8; 5];
        key[..k].copy_from_slice(&a.0[..k]);
        contexts.entry(key).or_insert_with(|| vec![0.0; c])[a.get(k)] += 1.0;
    }
    let n = data.len() as f64;
    let (mut m, mut v) = (vec![0.0; size], vec![0.0; size]);
    let (lr, b1, b2) = (0.1, 0.9f64, 0.999f64);
    for step in 1..=FIT_STEPS {
        let mut g: Vec<f64> = w.iter().map(|w| PRIOR * w / n).collect();
        for (key, counts) in &contexts {
            let q = softmax(&logits(&w, k, key));
            let total: f64 = counts.iter().sum();
            let dz: Vec<f64> = (0..c).map(|i| (total * q[i] - counts[i]) / n).collect();
            g[..c].iter_mut().zip(&dz).for_each(|(g, d)| *g += d);
            let mut at = c;
            for j in 0..k {
                let row = at + key[j] as usize * c;
                g[row..row + c]
                    .iter_mut()
                    .zip(&dz)
                    .for_each(|(g, d)| *g += d);
                at += CARDINALITIES[j] * c;
            }
        }
        let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
        for i in 0..size {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            w[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-9);
        }
    }
    w
}

/// Character bigram counts over names: p(next | previous), with add-α smoothing.
#[derive(Clone, Debug)]
pub struct Bigram {
    /// counts[prev][next], boundary token 0 at both ends.
    pub counts: Vec<Vec<f64>>,
    pub alpha: f64,
}

impl Bigram {
    pub fn fit(names: &[String], alpha: f64) -> Bigram {
        let mut counts = vec![vec![0.0; VOCAB]; VOCAB];
        for s in names {
            let t = names::encode(s).expect("source names are a–z");
            let mut prev = END;
            for &c in t.iter().chain([END].iter()) {
                counts[prev][c] += 1.0;
                prev = c;
            }
        }
        Bigram { counts, alpha }
    }

    /// p(next = · | prev).
    pub fn next(&self, prev: usize) -> Vec<f64> {
        let row = &self.counts[prev];
        let total: f64 = row.iter().sum::<f64>() + self.alpha * VOCAB as f64;
        row.iter().map(|c| (c + self.alpha) / total).collect()
    }

    /// Free parameters of the table: 27 rows of 26.
    pub fn free_parameters() -> usize {
        VOCAB * (VOCAB - 1)
    }

    /// −log₂ of each symbol of `name` and its end, in order.
    pub fn symbol_bits(&self, name: &str) -> Vec<f64> {
        let t = names::encode(name).expect("names are a–z");
        let mut prev = END;
        t.iter()
            .chain([END].iter())
            .map(|&c| {
                let b = -self.next(prev)[c].log2();
                prev = c;
                b
            })
            .collect()
    }
}

/// Cross-entropy in bits per symbol (letters and ends) of per-name symbol bits.
pub fn bits_per_symbol(per_name: impl IntoIterator<Item = Vec<f64>>) -> f64 {
    let (mut bits, mut n) = (0.0, 0usize);
    for b in per_name {
        bits += b.iter().sum::<f64>();
        n += b.len();
    }
    bits / n as f64
}

/// How a next symbol is chosen from a model's distribution: temperature τ (probabilities
/// ∝ p^{1/τ}; τ → 0 is the arg-max) and top-k (only the k likeliest, 0: all).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Temper {
    pub temperature: f64,
    pub top_k: usize,
}

impl Temper {
    pub const PLAIN: Temper = Temper {
        temperature: 1.0,
        top_k: 0,
    };

    /// The distribution actually sampled from.
    pub fn apply(&self, p: &[f64]) -> Vec<f64> {
        let mut keep = vec![true; p.len()];
        if self.top_k > 0 && self.top_k < p.len() {
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
            for &i in &order[self.top_k..] {
                keep[i] = false;
            }
        }
        if self.temperature <= 1e-3 {
            let best = (0..p.len())
                .filter(|&i| keep[i])
                .max_by(|&a, &b| p[a].total_cmp(&p[b]))
                .unwrap_or(0);
            return (0..p.len()).map(|i| (i == best) as u8 as f64).collect();
        }
        let w: Vec<f64> = p
            .iter()
            .zip(&keep)
            .map(|(&p, &k)| {
                if k && p > 0.0 {
                    p.powf(1.0 / self.temperature)
                } else {
                    0.0
                }
            })
            .collect();
        let s: f64 = w.iter().sum();
        w.into_iter().map(|v| v / s).collect()
    }

    /// A symbol drawn from `p` tempered, and its probability under the tempered law.
    pub fn draw(&self, p: &[f64], rng: &mut Rng) -> (usize, f64) {
        let q = self.apply(p);
        let i = rng.categorical(&q);
        (i, q[i])
    }
}

/// One name from any next-symbol model (`next(prefix tokens)` → distribution over the
/// 27 symbols): each letter with its probability under the tempered law, until the end or
/// [`names::MAX_LEN`] letters.
pub fn sample_name(
    mut next: impl FnMut(&[usize]) -> Vec<f64>,
    temper: Temper,
    rng: &mut Rng,
) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    loop {
        let prefix: Vec<usize> = out.iter().map(|c| c.0).collect();
        let mut p = next(&prefix);
        if prefix.len() == names::MAX_LEN {
            // The model's context is full: only the end can follow.
            p = (0..VOCAB).map(|i| (i == END) as u8 as f64).collect();
        }
        let (c, q) = temper.draw(&p, rng);
        out.push((c, q));
        if c == END {
            return out;
        }
    }
}

/// The data sizes of lesson 2's N slider, for the KL curves: 10 … 5000 by factors of √2.
pub fn kl_sizes(max: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..)
        .map(|k| (10.0 * 2f64.powf(k as f64 / 2.0)).round() as usize)
        .take_while(|&n| n <= max)
        .collect();
    v.push(max);
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PData;
    use crate::models::tabular::{kl, FullTable, NaiveBayes};

    #[test]
    fn parameter_counts() {
        assert_eq!(table_chain_parameters(), 4031);
        assert_eq!(OutfitChain::free_parameters(), 2 + 28 + 36 + 80 + 132);
        assert_eq!(Bigram::free_parameters(), 702);
    }

    /// With plenty of data the chain of softmax conditionals gets below the best naive
    /// Bayes (which cannot hold P_data's correlations) and below the smoothed full table.
    #[test]
    fn the_chain_beats_naive_bayes_at_5000() {
        let pdata = PData::default();
        let truth = pdata.table();
        let data = pdata.sample_n(5000, 7);
        let chain = OutfitChain::fit(&data);
        let t = chain.table();
        assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let kl_chain = kl(&truth, &t);
        let kl_nb = kl(&truth, &NaiveBayes::fit(&data).table());
        let kl_table = kl(&truth, &FullTable::fit(&data).laplace_table());
        assert!(
            kl_chain < 0.5 * kl_nb,
            "chain {kl_chain}, naive Bayes {kl_nb}"
        );
        assert!(
            kl_chain < kl_table,
            "chain {kl_chain}, Laplace table {kl_table}"
        );
        // Small data: still finite.
        let few = OutfitChain::fit(&data[..10]);
        assert!(kl(&truth, &few.table()).is_finite());
    }

    #[test]
    fn conditionals_of_a_table_give_back_the_joint() {
        let pdata = PData::default();
        let truth = pdata.table();
        let a = Avatar([1, 7, 2, 5, 3]);
        let p: f64 = (0..5)
            .map(|k| conditional_of_table(&truth, k, &a.0)[a.get(k)])
            .product();
        assert!((p - pdata.prob(&a)).abs() < 1e-12);
    }

    #[test]
    fn bigram_and_sampling() {
        let train = names::NameSource.sample_n(20_000, 1);
        let b = Bigram::fit(&train, 0.01);
        let p = b.next(END);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let held = names::held_out();
        let bits = bits_per_symbol(held.iter().map(|s| b.symbol_bits(s)));
        let truth = bits_per_symbol(held.iter().map(|s| {
            let l = s.len() as f64 + 1.0;
            vec![-names::NameSource.log2_prob(s) / l; s.len() + 1]
        }));
        assert!(bits > truth + 0.1, "bigram {bits} vs the source {truth}");
        assert!(bits < truth + 1.5, "bigram {bits} vs the source {truth}");
        let mut rng = Rng::new(3);
        let name = sample_name(
            |pre| b.next(pre.last().copied().unwrap_or(END)),
            Temper::PLAIN,
            &mut rng,
        );
        assert_eq!(name.last().unwrap().0, END);
        let cold = Temper {
            temperature: 0.0,
            top_k: 0,
        };
        assert_eq!(cold.apply(&[0.2, 0.5, 0.3]), vec![0.0, 1.0, 0.0]);
        let top2 = Temper {
            temperature: 1.0,
            top_k: 2,
        }
        .apply(&[0.2, 0.5, 0.3]);
        assert!((top2[1] - 0.625).abs() < 1e-12 && top2[0] == 0.0);
        let hot = Temper {
            temperature: 2.0,
            top_k: 0,
        }
        .apply(&[0.2, 0.8]);
        assert!((hot[0] - 1.0 / 3.0).abs() < 1e-12);
    }
}
