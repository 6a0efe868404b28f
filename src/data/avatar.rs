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
    Feature {
        name: "accessory",
        values: &["blank", "round glasses", "sunglasses"],
    },
    Feature {
        name: "clothing colour",
        values: &[
            "black",
            "blue",
            "grey",
            "pastel green",
            "pastel orange",
            "pink",
            "red",
            "white",
        ],
    },
    Feature {
        name: "clothing type",
        values: &["hoodie", "overalls", "scoop-neck shirt", "V-neck shirt"],
    },
    Feature {
        name: "hair colour",
        values: &[
            "black",
            "blonde",
            "brown",
            "pastel pink",
            "red",
            "silver grey",
        ],
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
        self.0
            .iter()
            .zip(CARDINALITIES)
            .fold(0, |acc, (&v, c)| acc * c + v as usize)
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
            format!(
                "{} {} hair",
                self.value_name(HAIR_COLOUR),
                self.value_name(HAIR_TYPE)
            )
        };
        format!(
            "{acc}, {} {}, {hair}",
            self.value_name(CLOTH_COLOUR),
            self.value_name(CLOTH_TYPE)
        )
    }
}

// Conditional tables (rows are normalised again when P_data is built). Each row is half a
// shared, peaked preference (white clothes, silver-grey hair, no accessory) and half a
// row-specific taste, so the marginals are lopsided as in the seed and the features are
// correlated, but not so strongly that independence is useless.
const W_HAIR_TYPE: [f64; 7] = [0.031, 0.077, 0.091, 0.228, 0.142, 0.306, 0.124];
/// Rows: hair type; columns: black, blonde, brown, pastel pink, red, silver grey.
const W_HAIR_COLOUR: [[f64; 6]; 7] = [
    [0.197, 0.093, 0.157, 0.047, 0.061, 0.445], // no hair (eyebrows)
    [0.144, 0.149, 0.174, 0.059, 0.073, 0.402], // long bun
    [0.175, 0.117, 0.174, 0.059, 0.198, 0.277], // long curly: often red
    [0.161, 0.186, 0.159, 0.080, 0.094, 0.320], // long straight: often blonde
    [0.170, 0.143, 0.198, 0.057, 0.100, 0.332], // short waved
    [0.196, 0.112, 0.166, 0.042, 0.070, 0.415], // short flat
    [0.141, 0.084, 0.139, 0.204, 0.130, 0.303], // short frizzle: often pastel pink
];
/// Rows: hair colour; columns: blank, round glasses, sunglasses.
const W_ACCESSORY: [[f64; 3]; 6] = [
    [0.633, 0.172, 0.195],
    [0.583, 0.122, 0.295],
    [0.633, 0.222, 0.145],
    [0.483, 0.122, 0.395], // pastel pink: sunglasses
    [0.633, 0.172, 0.195],
    [0.533, 0.322, 0.145], // silver grey: round glasses
];
const W_CLOTH_TYPE: [f64; 4] = [0.342, 0.097, 0.342, 0.219];
/// Rows: clothing type; columns: black, blue, grey, pastel green, pastel orange, pink, red, white.
const W_CLOTH_COLOUR: [[f64; 8]; 4] = [
    [0.171, 0.135, 0.151, 0.045, 0.043, 0.043, 0.082, 0.330], // hoodie: dark and grey too
    [0.081, 0.264, 0.144, 0.080, 0.049, 0.049, 0.063, 0.270], // overalls: denim blue
    [0.077, 0.138, 0.081, 0.071, 0.070, 0.095, 0.084, 0.386], // scoop neck
    [0.127, 0.138, 0.106, 0.046, 0.070, 0.045, 0.109, 0.361], // V-neck
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
        (0..N_COMBINATIONS)
            .map(|i| self.prob(&Avatar::from_index(i)))
            .collect()
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
}
