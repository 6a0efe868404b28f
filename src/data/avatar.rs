//! Avatar World: the population every lesson models, and its true distribution P_data.
//!
//! A person is five categorical features (the fashion features of lesson 2). P_data is
//! defined here, exactly, as a small Bayesian network with real correlations:
//!
//! ```text
//! P(x) = P(hair type) · P(hair colour | hair type) · P(accessory | hair colour)
//!      · P(clothing type) · P(clothing colour | clothing type)
//! ```
//!
//! so any model can be compared with the truth: exact probabilities of all 4032
//! combinations, KL divergences, and feature frequencies.

use super::rng::Rng;

/// One feature: its name and the names of its values.
pub struct Feature {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

/// The five features, in the order used everywhere (the order of the seed article).
pub const FEATURES: [Feature; 5] = [
    Feature { name: "accessory", values: &["blank", "round glasses", "sunglasses"] },
    Feature {
        name: "clothing colour",
        values: &["black", "blue", "grey", "pastel green", "pastel orange", "pink", "red", "white"],
    },
    Feature {
        name: "clothing type",
        values: &["hoodie", "overalls", "scoop-neck shirt", "V-neck shirt"],
    },
    Feature {
        name: "hair colour",
        values: &["black", "blonde", "brown", "pastel pink", "red", "silver grey"],
    },
    Feature {
        name: "hair type",
        values: &[
            "no hair",
            "long hair bun",
            "long curly",
            "long straight",
            "short waved",
            "short flat",
            "short frizzle",
        ],
    },
];

pub const ACC: usize = 0;
pub const CLOTH_COLOUR: usize = 1;
pub const CLOTH_TYPE: usize = 2;
pub const HAIR_COLOUR: usize = 3;
pub const HAIR_TYPE: usize = 4;

/// Number of values of each feature: 3, 8, 4, 6, 7.
pub const CARDINALITIES: [usize; 5] = [3, 8, 4, 6, 7];
/// 3·8·4·6·7.
pub const N_COMBINATIONS: usize = 4032;

/// One person of Avatar World: the value index of each of the five features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Avatar(pub [u8; 5]);

impl Avatar {
    pub fn get(&self, feature: usize) -> usize {
        self.0[feature] as usize
    }

    /// Position of this combination in 0..4032 (mixed radix, first feature most significant).
    pub fn index(&self) -> usize {
        self.0.iter().zip(CARDINALITIES).fold(0, |acc, (&v, c)| acc * c + v as usize)
    }

    pub fn from_index(mut i: usize) -> Avatar {
        assert!(i < N_COMBINATIONS, "combination index {i} out of range");
        let mut v = [0u8; 5];
        for f in (0..5).rev() {
            v[f] = (i % CARDINALITIES[f]) as u8;
            i /= CARDINALITIES[f];
        }
        Avatar(v)
    }

    pub fn value_name(&self, feature: usize) -> &'static str {
        FEATURES[feature].values[self.get(feature)]
    }

    /// "round glasses, red V-neck shirt, silver grey short flat hair".
    pub fn describe(&self) -> String {
        let acc = match self.get(ACC) {
            0 => "no accessory".to_string(),
            _ => self.value_name(ACC).to_string(),
        };
        let hair = if self.get(HAIR_TYPE) == 0 {
            format!("no hair ({} eyebrows)", self.value_name(HAIR_COLOUR))
        } else {
            format!("{} {} hair", self.value_name(HAIR_COLOUR), self.value_name(HAIR_TYPE))
        };
        format!(
            "{acc}, {} {}, {hair}",
            self.value_name(CLOTH_COLOUR),
            self.value_name(CLOTH_TYPE)
        )
    }
}

// Conditional tables as unnormalised weights; rows are normalised when P_data is built.
const W_HAIR_TYPE: [f64; 7] = [0.07, 0.11, 0.12, 0.19, 0.15, 0.22, 0.14];
/// Rows: hair type; columns: black, blonde, brown, pastel pink, red, silver grey.
const W_HAIR_COLOUR: [[f64; 6]; 7] = [
    [3.0, 1.0, 2.0, 0.5, 0.5, 6.0], // no hair (eyebrows)
    [2.0, 3.0, 3.0, 1.0, 1.0, 6.0], // long bun
    [3.0, 2.0, 3.0, 1.0, 5.0, 2.0], // long curly
    [3.0, 5.0, 3.0, 2.0, 2.0, 4.0], // long straight
    [3.0, 3.0, 4.0, 1.0, 2.0, 4.0], // short waved
    [4.0, 2.0, 3.0, 0.5, 1.0, 7.0], // short flat
    [2.0, 1.0, 2.0, 6.0, 3.0, 3.0], // short frizzle
];
/// Rows: hair colour; columns: blank, round glasses, sunglasses.
const W_ACCESSORY: [[f64; 3]; 6] = [
    [6.0, 2.0, 2.0],
    [5.0, 1.0, 4.0],
    [6.0, 3.0, 1.0],
    [3.0, 1.0, 6.0],
    [6.0, 2.0, 2.0],
    [4.0, 5.0, 1.0],
];
const W_CLOTH_TYPE: [f64; 4] = [0.30, 0.16, 0.30, 0.24];
/// Rows: clothing type; columns: black, blue, grey, pastel green, pastel orange, pink, red, white.
const W_CLOTH_COLOUR: [[f64; 8]; 4] = [
    [5.0, 2.0, 4.0, 1.0, 1.0, 1.0, 2.0, 5.0], // hoodie
    [1.0, 6.0, 3.0, 2.0, 1.0, 1.0, 1.0, 2.0], // overalls
    [1.0, 2.0, 1.0, 2.0, 2.0, 3.0, 2.0, 7.0], // scoop neck
    [3.0, 2.0, 2.0, 1.0, 2.0, 1.0, 3.0, 6.0], // V-neck
];

fn normalised(w: &[f64]) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    w.iter().map(|x| x / s).collect()
}

/// The true distribution of Avatar World, with its conditional tables normalised.
#[derive(Clone, Debug)]
pub struct PData {
    hair_type: Vec<f64>,
    hair_colour: Vec<Vec<f64>>,
    accessory: Vec<Vec<f64>>,
    cloth_type: Vec<f64>,
    cloth_colour: Vec<Vec<f64>>,
}

impl Default for PData {
    fn default() -> Self {
        PData {
            hair_type: normalised(&W_HAIR_TYPE),
            hair_colour: W_HAIR_COLOUR.iter().map(|r| normalised(r)).collect(),
            accessory: W_ACCESSORY.iter().map(|r| normalised(r)).collect(),
            cloth_type: normalised(&W_CLOTH_TYPE),
            cloth_colour: W_CLOTH_COLOUR.iter().map(|r| normalised(r)).collect(),
        }
    }
}

impl PData {
    /// Exact probability of one person.
    pub fn prob(&self, a: &Avatar) -> f64 {
        let ht = a.get(HAIR_TYPE);
        let hc = a.get(HAIR_COLOUR);
        let ct = a.get(CLOTH_TYPE);
        self.hair_type[ht]
            * self.hair_colour[ht][hc]
            * self.accessory[hc][a.get(ACC)]
            * self.cloth_type[ct]
            * self.cloth_colour[ct][a.get(CLOTH_COLOUR)]
    }

    /// The probability of every combination, indexed by [`Avatar::index`].
    pub fn table(&self) -> Vec<f64> {
        (0..N_COMBINATIONS).map(|i| self.prob(&Avatar::from_index(i))).collect()
    }

    /// Exact marginal distribution of one feature.
    pub fn marginal(&self, feature: usize) -> Vec<f64> {
        let mut m = vec![0.0; CARDINALITIES[feature]];
        for i in 0..N_COMBINATIONS {
            let a = Avatar::from_index(i);
            m[a.get(feature)] += self.prob(&a);
        }
        m
    }

    /// Ancestral sampling: each feature from its conditional given its parents.
    pub fn sample(&self, rng: &mut Rng) -> Avatar {
        let ht = rng.categorical(&self.hair_type);
        let hc = rng.categorical(&self.hair_colour[ht]);
        let acc = rng.categorical(&self.accessory[hc]);
        let ct = rng.categorical(&self.cloth_type);
        let cc = rng.categorical(&self.cloth_colour[ct]);
        Avatar([acc as u8, cc as u8, ct as u8, hc as u8, ht as u8])
    }

    pub fn sample_n(&self, n: usize, seed: u64) -> Vec<Avatar> {
        let mut rng = Rng::new(seed);
        (0..n).map(|_| self.sample(&mut rng)).collect()
    }
}

/// The observations as CSV: a header and one row per person, values by name.
pub fn to_csv(people: &[Avatar]) -> String {
    let mut s = String::from("id");
    for f in &FEATURES {
        s.push(',');
        s.push_str(&f.name.replace(' ', "_"));
    }
    s.push('\n');
    for (i, p) in people.iter().enumerate() {
        s.push_str(&(i + 1).to_string());
        for f in 0..5 {
            s.push(',');
            s.push_str(p.value_name(f));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinalities_match_the_seed() {
        for (f, c) in FEATURES.iter().zip(CARDINALITIES) {
            assert_eq!(f.values.len(), c, "{}", f.name);
        }
        assert_eq!(CARDINALITIES.iter().product::<usize>(), N_COMBINATIONS);
        assert_eq!(CARDINALITIES.iter().sum::<usize>(), 28);
    }

    #[test]
    fn index_round_trips() {
        for i in 0..N_COMBINATIONS {
            assert_eq!(Avatar::from_index(i).index(), i);
        }
    }

    #[test]
    fn p_data_sums_to_one_and_is_positive() {
        let t = PData::default().table();
        let s: f64 = t.iter().sum();
        assert!((s - 1.0).abs() < 1e-12, "sum = {s}");
        assert!(t.iter().all(|&p| p > 0.0));
    }

    #[test]
    fn white_clothes_and_silver_hair_are_the_most_common() {
        let p = PData::default();
        let cc = p.marginal(CLOTH_COLOUR);
        let hc = p.marginal(HAIR_COLOUR);
        let argmax = |v: &[f64]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
        assert_eq!(FEATURES[CLOTH_COLOUR].values[argmax(&cc)], "white");
        assert_eq!(FEATURES[HAIR_COLOUR].values[argmax(&hc)], "silver grey");
    }

    #[test]
    fn features_are_correlated() {
        // P(hair colour = pastel pink | short frizzle) differs from the marginal.
        let p = PData::default();
        let m = p.marginal(HAIR_COLOUR)[3];
        assert!(p.hair_colour[6][3] > 2.0 * m);
    }

    #[test]
    fn sampler_is_seeded_and_matches_p_data() {
        let p = PData::default();
        assert_eq!(p.sample_n(50, 9), p.sample_n(50, 9));
        let xs = p.sample_n(100_000, 1);
        let white = xs.iter().filter(|a| a.get(CLOTH_COLOUR) == 7).count() as f64 / 1e5;
        assert!((white - p.marginal(CLOTH_COLOUR)[7]).abs() < 0.006);
    }

    #[test]
    fn csv_has_header_and_rows() {
        let p = PData::default();
        let csv = to_csv(&p.sample_n(3, 1));
        let lines: Vec<_> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "id,accessory,clothing_colour,clothing_type,hair_colour,hair_type");
    }
}
