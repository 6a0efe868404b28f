//! The names of Avatar World's people, from a source whose probabilities are known
//! exactly, so lesson 7's character models can be measured against the truth.
//!
//! A name is one to three syllables. First the name draws its vowel *harmony* (front or
//! back) and its number of syllables; then each syllable is an onset, a vowel and a coda:
//!
//! ```text
//! p(derivation) = P(h) · P(S) · Π_k P(onset_k | k, coda_{k−1}) · P(vowel_k | h) · P(coda_k | k = S)
//! ```
//!
//! A syllable after an open one (no coda) always starts with a consonant; every vowel of a
//! name is of its harmony, so the last vowel depends on the first, however far apart
//! (what a bigram cannot see). Several derivations can spell the same name ("ar|a" and
//! "a|ra"), so [`NameSource::prob`] sums over every way of cutting the name into syllables,
//! by dynamic programming.

use super::rng::Rng;

mod exact;

use exact::forward;
pub use exact::{derivations_up_to, mass_up_to};

/// Letters and the boundary: token 0 is the start and end of a name, 1–26 are a–z.
pub const VOCAB: usize = 27;
/// The boundary token, written `.`.
pub const END: usize = 0;
/// The longest name: three syllables of at most five letters.
pub const MAX_LEN: usize = 15;
/// A model's context: the start token and every letter.
pub const BLOCK: usize = MAX_LEN + 1;

/// Version of the name source (its tables); recorded in manifests.
pub const NAMES_VERSION: &str = "avatar-names-1";

/// Weighted spellings.
type Table = &'static [(&'static str, f64)];

/// Number of syllables: 1, 2 or 3.
const SYLLABLES: [f64; 3] = [0.15, 0.6, 0.25];
/// Front and back harmony.
const HARMONY: [f64; 2] = [0.45, 0.55];

/// Onsets of a name's first syllable.
const FIRST_ONSET: Table = &[
    ("", 0.10),
    ("b", 0.06),
    ("d", 0.07),
    ("f", 0.03),
    ("g", 0.04),
    ("k", 0.08),
    ("l", 0.07),
    ("m", 0.09),
    ("n", 0.05),
    ("r", 0.06),
    ("s", 0.07),
    ("t", 0.06),
    ("v", 0.04),
    ("z", 0.03),
    ("br", 0.03),
    ("dr", 0.02),
    ("kr", 0.02),
    ("st", 0.02),
    ("th", 0.03),
    ("sh", 0.03),
];
/// Onsets after an open syllable: never empty (no two vowels in a row across syllables).
const ONSET_AFTER_VOWEL: Table = &[
    ("b", 0.05),
    ("d", 0.08),
    ("k", 0.07),
    ("l", 0.14),
    ("m", 0.08),
    ("n", 0.12),
    ("r", 0.14),
    ("s", 0.08),
    ("t", 0.09),
    ("v", 0.05),
    ("th", 0.04),
    ("ld", 0.03),
    ("nd", 0.03),
];
/// Onsets after a closed syllable: often none, never a cluster.
const ONSET_AFTER_CODA: Table = &[
    ("", 0.30),
    ("b", 0.06),
    ("d", 0.10),
    ("g", 0.05),
    ("k", 0.08),
    ("m", 0.06),
    ("n", 0.05),
    ("s", 0.08),
    ("t", 0.12),
    ("v", 0.05),
    ("z", 0.05),
];
/// Vowels of a front-harmony name.
const FRONT: Table = &[
    ("e", 0.34),
    ("i", 0.32),
    ("y", 0.10),
    ("ei", 0.12),
    ("ie", 0.12),
];
/// Vowels of a back-harmony name.
const BACK: Table = &[
    ("a", 0.36),
    ("o", 0.28),
    ("u", 0.14),
    ("au", 0.10),
    ("ou", 0.12),
];
/// Codas of a syllable with more to come.
const CODA_INNER: Table = &[
    ("", 0.55),
    ("n", 0.14),
    ("r", 0.12),
    ("l", 0.12),
    ("m", 0.07),
];
/// Codas of a name's last syllable.
const CODA_FINAL: Table = &[
    ("", 0.40),
    ("n", 0.22),
    ("s", 0.16),
    ("r", 0.10),
    ("l", 0.07),
    ("th", 0.05),
];

fn onsets(k: usize, closed_before: bool) -> Table {
    match (k, closed_before) {
        (0, _) => FIRST_ONSET,
        (_, false) => ONSET_AFTER_VOWEL,
        (_, true) => ONSET_AFTER_CODA,
    }
}

fn vowels(h: usize) -> Table {
    [FRONT, BACK][h]
}

fn codas(last: bool) -> Table {
    if last {
        CODA_FINAL
    } else {
        CODA_INNER
    }
}

/// One way a name was made: its harmony, and each syllable as indices into the tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Derivation {
    pub harmony: usize,
    /// (onset, vowel, coda) per syllable.
    pub syllables: Vec<(usize, usize, usize)>,
}

impl Derivation {
    pub fn spelling(&self) -> String {
        let n = self.syllables.len();
        let mut s = String::new();
        let mut closed = false;
        for (k, &(o, v, c)) in self.syllables.iter().enumerate() {
            s += onsets(k, closed)[o].0;
            s += vowels(self.harmony)[v].0;
            let coda = codas(k + 1 == n)[c].0;
            s += coda;
            closed = !coda.is_empty();
        }
        s
    }

    pub fn prob(&self) -> f64 {
        let n = self.syllables.len();
        let mut p = HARMONY[self.harmony] * SYLLABLES[n - 1];
        let mut closed = false;
        for (k, &(o, v, c)) in self.syllables.iter().enumerate() {
            let coda = codas(k + 1 == n)[c];
            p *= onsets(k, closed)[o].1 * vowels(self.harmony)[v].1 * coda.1;
            closed = !coda.0.is_empty();
        }
        p
    }
}

/// The name source: sampling, exact probabilities, and names as tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameSource;

impl NameSource {
    /// One derivation, drawn.
    pub fn derive(&self, rng: &mut Rng) -> Derivation {
        let pick =
            |rng: &mut Rng, t: Table| rng.categorical(&t.iter().map(|e| e.1).collect::<Vec<_>>());
        let harmony = rng.categorical(&HARMONY);
        let n = rng.categorical(&SYLLABLES) + 1;
        let mut closed = false;
        let syllables = (0..n)
            .map(|k| {
                let o = pick(rng, onsets(k, closed));
                let v = pick(rng, vowels(harmony));
                let c = pick(rng, codas(k + 1 == n));
                closed = !codas(k + 1 == n)[c].0.is_empty();
                (o, v, c)
            })
            .collect();
        Derivation { harmony, syllables }
    }

    pub fn sample(&self, rng: &mut Rng) -> String {
        self.derive(rng).spelling()
    }

    /// `n` names from a generator seeded by `seed`.
    pub fn sample_n(&self, n: usize, seed: u64) -> Vec<String> {
        let mut rng = Rng::new(seed);
        (0..n).map(|_| self.sample(&mut rng)).collect()
    }

    /// The exact probability that the source says `name`: the sum over every derivation
    /// that spells it.
    pub fn prob(&self, name: &str) -> f64 {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > MAX_LEN {
            return 0.0;
        }
        forward(b, false)
    }

    /// The probability that a name starts with `prefix` (the name itself included).
    pub fn prefix_prob(&self, prefix: &str) -> f64 {
        if prefix.is_empty() {
            return 1.0;
        }
        forward(prefix.as_bytes(), true)
    }

    /// The next symbol's distribution after `prefix` under the source: letters 1–26 and
    /// the end (token 0). `None` if the source never starts a name so.
    pub fn next(&self, prefix: &str) -> Option<Vec<f64>> {
        let total = self.prefix_prob(prefix);
        if total <= 0.0 {
            return None;
        }
        let mut p: Vec<f64> = (0..VOCAB)
            .map(|t| match t {
                END => self.prob(prefix),
                t => self.prefix_prob(&format!("{prefix}{}", symbol(t))),
            })
            .collect();
        p.iter_mut().for_each(|v| *v /= total);
        Some(p)
    }

    /// log₂ of [`NameSource::prob`] (−∞ for a name the source never says).
    pub fn log2_prob(&self, name: &str) -> f64 {
        self.prob(name).log2()
    }

    /// The entropy of a name in bits, E[−log₂ p(name)], by Monte Carlo over `n` names
    /// drawn from `seed` with their exact probabilities: (estimate, standard error), and
    /// the mean number of symbols per name (letters and the end).
    pub fn entropy(&self, n: usize, seed: u64) -> Entropy {
        self.entropy_of(&self.sample_n(n, seed))
    }

    /// [`NameSource::entropy`] from names already drawn from the source.
    pub fn entropy_of(&self, names: &[String]) -> Entropy {
        let n = names.len();
        let bits: Vec<f64> = names.iter().map(|s| -self.log2_prob(s)).collect();
        let mean = bits.iter().sum::<f64>() / n as f64;
        let var = bits.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (n - 1).max(1) as f64;
        let symbols = names.iter().map(|s| s.len() + 1).sum::<usize>() as f64 / n as f64;
        Entropy {
            per_name: mean,
            stderr: (var / n as f64).sqrt(),
            symbols,
        }
    }
}

/// A Monte Carlo estimate of the source's entropy.
#[derive(Clone, Copy, Debug)]
pub struct Entropy {
    /// Bits per name.
    pub per_name: f64,
    /// Standard error of `per_name`.
    pub stderr: f64,
    /// Mean symbols per name: its letters and the end.
    pub symbols: f64,
}

impl Entropy {
    /// Bits per symbol (the entropy rate a character model is measured against).
    pub fn per_symbol(&self) -> f64 {
        self.per_name / self.symbols
    }
}

/// A name as tokens: its letters (1–26), without the boundary. `None` for a character
/// outside a–z.
pub fn encode(name: &str) -> Option<Vec<usize>> {
    name.bytes()
        .map(|c| c.is_ascii_lowercase().then(|| (c - b'a') as usize + 1))
        .collect()
}

/// The character of a token: `.` for the boundary.
pub fn symbol(token: usize) -> char {
    match token {
        0 => '.',
        t => (b'a' + (t as u8 - 1)) as char,
    }
}

/// Tokens as text (the boundary as `.`).
pub fn decode(tokens: &[usize]) -> String {
    tokens.iter().map(|&t| symbol(t)).collect()
}

/// Capitalised for display: "ailan" → "Ailan".
pub fn display(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// The source's held-out names (never in a training batch: training draws from other
/// seeds), fixed for every model's comparison; drawn once.
pub fn held_out() -> &'static [String] {
    static HELD: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    HELD.get_or_init(|| NameSource.sample_n(2000, HELD_OUT_SEED))
}

/// The source's entropy estimated on [`held_out`]; its bits per symbol are exactly what
/// the source itself needs on those names, the floor every model's held-out cross-entropy
/// is set beside. Computed once.
pub fn held_out_entropy() -> Entropy {
    static E: std::sync::OnceLock<Entropy> = std::sync::OnceLock::new();
    *E.get_or_init(|| NameSource.entropy_of(held_out()))
}

/// Seed of [`held_out`].
pub const HELD_OUT_SEED: u64 = 0x6e61_6d65;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn every_table_is_a_distribution() {
        let tables = [
            FIRST_ONSET,
            ONSET_AFTER_VOWEL,
            ONSET_AFTER_CODA,
            FRONT,
            BACK,
            CODA_INNER,
            CODA_FINAL,
        ];
        for t in tables {
            let s: f64 = t.iter().map(|e| e.1).sum();
            assert!((s - 1.0).abs() < 1e-12, "a table sums to {s}");
        }
        assert!((SYLLABLES.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((HARMONY.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(
            (mass_up_to(MAX_LEN) - 1.0).abs() < 1e-12,
            "names fit MAX_LEN"
        );
    }

    /// The forward pass agrees with the sum over derivations for every name of up to six
    /// letters, and those names hold exactly the mass of lengths ≤ 6.
    #[test]
    fn exact_probabilities_sum_over_derivations_and_lengths() {
        let mut by_name: HashMap<String, (f64, usize)> = HashMap::new();
        for d in derivations_up_to(6) {
            let e = by_name.entry(d.spelling()).or_default();
            e.0 += d.prob();
            e.1 += 1;
        }
        for (name, (p, _)) in &by_name {
            let exact = NameSource.prob(name);
            assert!((exact - p).abs() <= 1e-12 * p, "{name}: {exact} vs {p}");
        }
        // Some names have more than one derivation ("a|ra" and "ar|a").
        assert!(by_name.values().filter(|(_, ways)| *ways > 1).count() > 100);
        let by_name: HashMap<String, f64> = by_name.into_iter().map(|(k, v)| (k, v.0)).collect();
        let sum: f64 = by_name.values().sum();
        let mass = mass_up_to(6);
        assert!((sum - mass).abs() < 1e-12, "{sum} vs {mass}");
        assert!(mass > 0.3 && mass < 0.95, "lengths ≤ 6 hold {mass}");
        assert_eq!(NameSource.prob("xq"), 0.0);
        assert_eq!(NameSource.prob("aie"), 0.0, "harmony is never mixed");
    }

    /// 200 000 names drawn: their lengths, and the names of up to four letters one by one,
    /// are as frequent as the exact probabilities say (total variation below 0.01).
    #[test]
    fn the_sampler_draws_the_exact_distribution() {
        let n = 200_000;
        let names = NameSource.sample_n(n, 3);
        let mut short: HashMap<&str, f64> = HashMap::new();
        let mut lengths = vec![0.0; MAX_LEN + 1];
        for s in &names {
            lengths[s.len()] += 1.0 / n as f64;
            if s.len() <= 4 {
                *short.entry(s).or_default() += 1.0 / n as f64;
            }
        }
        let mut exact_short: HashMap<String, f64> = HashMap::new();
        for d in derivations_up_to(4) {
            *exact_short.entry(d.spelling()).or_default() += d.prob();
        }
        let mut tv = 0.0;
        for (name, p) in &exact_short {
            tv += (short.get(name.as_str()).copied().unwrap_or(0.0) - p).abs();
        }
        for name in short.keys() {
            assert!(
                exact_short.contains_key(*name),
                "drew {name}, which has probability 0"
            );
        }
        let rest_emp = 1.0 - short.values().sum::<f64>();
        let rest = 1.0 - exact_short.values().sum::<f64>();
        tv = 0.5 * (tv + (rest_emp - rest).abs());
        // Sampling noise alone gives E|f − p| = √(2p(1 − p)/(πn)) per name.
        let noise: f64 = 0.5
            * exact_short
                .values()
                .map(|p| (2.0 * p * (1.0 - p) / (std::f64::consts::PI * n as f64)).sqrt())
                .sum::<f64>();
        assert!(
            tv < 1.2 * noise,
            "TV over short names {tv}, noise alone {noise}"
        );
        let mut tv_len = 0.0;
        for (l, f) in lengths.iter().enumerate() {
            let p = mass_up_to(l) - if l == 0 { 0.0 } else { mass_up_to(l - 1) };
            tv_len += 0.5 * (f - p).abs();
        }
        assert!(tv_len < 0.01, "TV of lengths {tv_len}");
    }

    /// Prefix probabilities split into the name itself and each next letter, and the
    /// chain of next-symbol distributions multiplies out to the name's probability.
    #[test]
    fn prefixes_and_the_chain_rule() {
        for prefix in ["", "k", "ma", "brau", "anda", "thie", "zz"] {
            let p = NameSource.prefix_prob(prefix);
            let split = NameSource.prob(prefix)
                + (1..VOCAB)
                    .map(|t| NameSource.prefix_prob(&format!("{prefix}{}", symbol(t))))
                    .sum::<f64>();
            assert!(
                (p - split).abs() <= 1e-12 * p.max(1e-12),
                "{prefix}: {p} vs {split}"
            );
        }
        assert_eq!(NameSource.prefix_prob(""), 1.0);
        assert!(NameSource.next("zz").is_none());
        for name in ["moumulun", "ves", "arar", "thyneby"] {
            let mut chain = 1.0;
            for i in 0..=name.len() {
                let d = NameSource.next(&name[..i]).unwrap();
                let t = if i == name.len() {
                    END
                } else {
                    encode(&name[i..=i]).unwrap()[0]
                };
                chain *= d[t];
            }
            let p = NameSource.prob(name);
            assert!((chain - p).abs() <= 1e-9 * p, "{name}: {chain} vs {p}");
        }
    }

    #[test]
    fn entropy_and_tokens() {
        let e = NameSource.entropy(5000, 1);
        assert!(e.per_name > 8.0 && e.per_name < 30.0, "{e:?}");
        assert!(e.stderr < 0.2, "{e:?}");
        assert!(e.per_symbol() > 1.0 && e.per_symbol() < 4.0, "{e:?}");
        assert_eq!(encode("abz"), Some(vec![1, 2, 26]));
        assert_eq!(encode("aB"), None);
        assert_eq!(decode(&[0, 1, 26]), ".az");
        assert_eq!(display("ailan"), "Ailan");
        assert!(held_out()
            .iter()
            .all(|s| s.len() <= MAX_LEN && !s.is_empty()));
    }
}
