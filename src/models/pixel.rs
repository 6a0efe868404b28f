//! Lesson 3: naive Bayes on pixels. Every channel of every pixel gets its own categorical
//! distribution over 0..=255, fitted by counting with Laplace smoothing, and sampled
//! independently of all the others.

use crate::data::Rng;

pub const LEVELS: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct PixelModel {
    /// counts[d·LEVELS + v]: how often dimension d (pixel·3 + channel) took value v.
    counts: Vec<u32>,
    pub n: usize,
    /// Laplace pseudo-count added to every level.
    pub alpha: f64,
}

impl PixelModel {
    /// Fits one categorical per dimension; `images` are equal-length byte vectors.
    pub fn fit(images: &[Vec<u8>], alpha: f64) -> Self {
        let dims = images.first().map_or(0, |i| i.len());
        let mut counts = vec![0u32; dims * LEVELS];
        for img in images {
            assert_eq!(img.len(), dims, "images of different sizes");
            for (d, &v) in img.iter().enumerate() {
                counts[d * LEVELS + v as usize] += 1;
            }
        }
        PixelModel {
            counts,
            n: images.len(),
            alpha,
        }
    }

    pub fn dims(&self) -> usize {
        self.counts.len() / LEVELS
    }

    /// How often dimension `d` took value `v` in the training images.
    pub fn count(&self, d: usize, v: usize) -> u32 {
        self.counts[d * LEVELS + v]
    }

    /// Number of free parameters: 255 per dimension.
    pub fn free_parameters(&self) -> usize {
        self.dims() * (LEVELS - 1)
    }

    fn theta(&self, d: usize, v: usize) -> f64 {
        (self.count(d, v) as f64 + self.alpha) / (self.n as f64 + self.alpha * LEVELS as f64)
    }

    /// Every dimension drawn on its own.
    pub fn sample(&self, rng: &mut Rng) -> Vec<u8> {
        (0..self.dims())
            .map(|d| {
                let w: Vec<f64> = (0..LEVELS).map(|v| self.theta(d, v)).collect();
                rng.categorical(&w) as u8
            })
            .collect()
    }

    /// The expected value of every dimension.
    pub fn mean_image(&self) -> Vec<u8> {
        (0..self.dims())
            .map(|d| {
                let m: f64 = (0..LEVELS).map(|v| v as f64 * self.theta(d, v)).sum();
                m.round().clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    /// log p(image) in nats: the sum over dimensions of log θ.
    pub fn log_likelihood(&self, img: &[u8]) -> f64 {
        img.iter()
            .enumerate()
            .map(|(d, &v)| self.theta(d, v as usize).ln())
            .sum()
    }
}

/// Pearson correlation of pixel `j` with every pixel, over a set of grey images.
/// Pixels that never vary get correlation 0.
pub fn correlation_with(grey: &[Vec<u8>], j: usize) -> Vec<f64> {
    let n = grey.len() as f64;
    let d = grey.first().map_or(0, |g| g.len());
    let mut mean = vec![0.0; d];
    for g in grey {
        for (m, &v) in mean.iter_mut().zip(g) {
            *m += v as f64 / n;
        }
    }
    // Second moments about the mean: every pixel's variance, and its covariance with j.
    let (mut var, mut cov) = (vec![0.0; d], vec![0.0; d]);
    for g in grey {
        let xj = g[j] as f64 - mean[j];
        for k in 0..d {
            let xk = g[k] as f64 - mean[k];
            var[k] += xk * xk / n;
            cov[k] += xk * xj / n;
        }
    }
    let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
    (0..d)
        .map(|k| {
            let s = sd[k] * sd[j];
            if s > 1e-9 {
                cov[k] / s
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::draw::{rasterise, to_grey};
    use crate::data::PData;

    #[test]
    fn counts_and_sampling() {
        let imgs = vec![vec![0u8, 10], vec![0, 20], vec![0, 10]];
        let m = PixelModel::fit(&imgs, 0.0);
        assert_eq!(m.count(0, 0), 3);
        assert_eq!(m.count(1, 10), 2);
        assert_eq!(m.mean_image(), vec![0, 13]);
        let mut rng = Rng::new(1);
        for _ in 0..50 {
            let s = m.sample(&mut rng);
            assert_eq!(s[0], 0);
            assert!(s[1] == 10 || s[1] == 20);
        }
        let smoothed = PixelModel::fit(&imgs, 1.0);
        assert!((smoothed.theta(0, 0) - 4.0 / 259.0).abs() < 1e-12);
        assert!(smoothed.log_likelihood(&[0, 10]) > smoothed.log_likelihood(&[0, 99]));
    }

    #[test]
    fn neighbouring_pixels_are_correlated_in_real_avatars() {
        let people = PData::default().sample_n(200, 3);
        let grey: Vec<Vec<u8>> = people.iter().map(|a| to_grey(&rasterise(a))).collect();
        let j = 28 * 32 + 16; // chest: the clothing
        let c = correlation_with(&grey, j);
        assert!((c[j] - 1.0).abs() < 1e-9);
        assert!(c[28 * 32 + 18] > 0.8, "neighbour {}", c[28 * 32 + 18]);
        assert!(c[0].abs() < 1e-9, "background never varies");
    }

    #[test]
    fn independent_samples_are_unlike_real_images() {
        let people = PData::default().sample_n(100, 5);
        let imgs: Vec<Vec<u8>> = people.iter().map(rasterise).collect();
        let m = PixelModel::fit(&imgs, 1.0);
        let mut rng = Rng::new(2);
        let s = m.sample(&mut rng);
        let real = rasterise(&PData::default().sample_n(1, 77)[0]);
        assert!(m.log_likelihood(&real) > m.log_likelihood(&s) - 1e9); // both finite
                                                                       // A real image's clothing is one colour; the sample's chest is speckled.
        let var = |img: &[u8]| {
            let v: Vec<f64> = (12..20).map(|x| img[(29 * 32 + x) * 3] as f64).collect();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>()
        };
        assert_eq!(var(&real), 0.0);
        assert!(var(&s) > 0.0);
    }
}
