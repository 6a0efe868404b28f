//! Density models of 2-D points (lessons 0 and 1): a box, a Gaussian, a Gaussian mixture
//! fitted by EM one step at a time, and a kernel density estimate.

use crate::data::Rng;
use std::f64::consts::PI;

pub type Pt = (f64, f64);

/// What every 2-D density model can do.
pub trait Density2 {
    /// log p(x, y); −∞ where the model gives zero density.
    fn log_density(&self, p: Pt) -> f64;
    fn sample(&self, rng: &mut Rng) -> Pt;
}

/// Mean log-likelihood per point of a held-out set (−∞ if any point has zero density).
pub fn mean_log_likelihood(m: &dyn Density2, pts: &[Pt]) -> f64 {
    pts.iter().map(|&p| m.log_density(p)).sum::<f64>() / pts.len() as f64
}

/// Uniform density on an axis-aligned box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoxModel {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl BoxModel {
    /// The smallest box that holds every point.
    pub fn bounding(pts: &[Pt]) -> Self {
        let f = |g: fn(&Pt) -> f64, max: bool| {
            pts.iter()
                .map(g)
                .fold(if max { f64::MIN } else { f64::MAX }, |a, b| {
                    if max {
                        a.max(b)
                    } else {
                        a.min(b)
                    }
                })
        };
        BoxModel {
            x0: f(|p| p.0, false),
            y0: f(|p| p.1, false),
            x1: f(|p| p.0, true),
            y1: f(|p| p.1, true),
        }
    }

    pub fn contains(&self, p: Pt) -> bool {
        p.0 >= self.x0 && p.0 <= self.x1 && p.1 >= self.y0 && p.1 <= self.y1
    }

    pub fn area(&self) -> f64 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }
}

impl Density2 for BoxModel {
    fn log_density(&self, p: Pt) -> f64 {
        if self.contains(p) && self.area() > 0.0 {
            -self.area().ln()
        } else {
            f64::NEG_INFINITY
        }
    }
    fn sample(&self, rng: &mut Rng) -> Pt {
        (rng.range(self.x0, self.x1), rng.range(self.y0, self.y1))
    }
}

/// A 2-D Gaussian with full covariance [[a, b], [b, c]].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian {
    pub mean: Pt,
    pub cov: [f64; 3],
}

impl Gaussian {
    /// Maximum-likelihood fit (weights optional), with a small ridge so it never degenerates.
    pub fn fit_weighted(pts: &[Pt], w: &[f64], ridge: f64) -> Self {
        let sw: f64 = w.iter().sum::<f64>().max(1e-300);
        let mx = pts.iter().zip(w).map(|(p, w)| w * p.0).sum::<f64>() / sw;
        let my = pts.iter().zip(w).map(|(p, w)| w * p.1).sum::<f64>() / sw;
        let mut c = [0.0; 3];
        for (p, w) in pts.iter().zip(w) {
            let (dx, dy) = (p.0 - mx, p.1 - my);
            c[0] += w * dx * dx;
            c[1] += w * dx * dy;
            c[2] += w * dy * dy;
        }
        Gaussian {
            mean: (mx, my),
            cov: [c[0] / sw + ridge, c[1] / sw, c[2] / sw + ridge],
        }
    }

    pub fn fit(pts: &[Pt]) -> Self {
        Self::fit_weighted(pts, &vec![1.0; pts.len()], 1e-9)
    }

    fn det(&self) -> f64 {
        self.cov[0] * self.cov[2] - self.cov[1] * self.cov[1]
    }

    /// Principal axes: (angle in radians, σ along the major axis, σ along the minor axis).
    pub fn axes(&self) -> (f64, f64, f64) {
        let [a, b, c] = self.cov;
        let tr = 0.5 * (a + c);
        let d = (0.25 * (a - c) * (a - c) + b * b).sqrt();
        let angle = 0.5 * (2.0 * b).atan2(a - c);
        (angle, (tr + d).max(0.0).sqrt(), (tr - d).max(0.0).sqrt())
    }
}

impl Density2 for Gaussian {
    fn log_density(&self, p: Pt) -> f64 {
        let [a, b, c] = self.cov;
        let det = self.det();
        let (dx, dy) = (p.0 - self.mean.0, p.1 - self.mean.1);
        let q = (c * dx * dx - 2.0 * b * dx * dy + a * dy * dy) / det;
        -0.5 * q - (2.0 * PI).ln() - 0.5 * det.ln()
    }
    fn sample(&self, rng: &mut Rng) -> Pt {
        // Cholesky of [[a, b], [b, c]].
        let [a, b, c] = self.cov;
        let l11 = a.sqrt();
        let l21 = b / l11;
        let l22 = (c - l21 * l21).max(0.0).sqrt();
        let (z1, z2) = (rng.normal(), rng.normal());
        (self.mean.0 + l11 * z1, self.mean.1 + l21 * z1 + l22 * z2)
    }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// A mixture of K Gaussians, fitted by expectation–maximisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    pub weights: Vec<f64>,
    pub parts: Vec<Gaussian>,
    /// Added to the diagonal of every covariance, in squared data units.
    pub ridge: f64,
}

impl Mixture {
    /// K components started on K distinct data points (seeded), each with the data's spread.
    pub fn init(pts: &[Pt], k: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let global = Gaussian::fit(pts);
        let spread = 0.25 * (global.cov[0] + global.cov[2]) / k as f64;
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < k.min(pts.len()) {
            let i = rng.below(pts.len() as u32) as usize;
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        Mixture {
            weights: vec![1.0 / chosen.len() as f64; chosen.len()],
            parts: chosen
                .iter()
                .map(|&i| Gaussian {
                    mean: pts[i],
                    cov: [spread, 0.0, spread],
                })
                .collect(),
            ridge: 1e-6 * (global.cov[0] + global.cov[2]),
        }
    }

    /// log(w_k) + log N(p; μ_k, Σ_k) for every component k.
    fn joint_log_probs(&self, p: Pt) -> Vec<f64> {
        self.parts
            .iter()
            .zip(&self.weights)
            .map(|(g, w)| w.ln() + g.log_density(p))
            .collect()
    }

    /// E-step: responsibilities r[i][k] = P(component k | point i).
    pub fn responsibilities(&self, pts: &[Pt]) -> Vec<Vec<f64>> {
        pts.iter()
            .map(|&p| {
                let l = self.joint_log_probs(p);
                let z = log_sum_exp(&l);
                l.iter().map(|x| (x - z).exp()).collect()
            })
            .collect()
    }

    /// One EM iteration (E-step then M-step). Never decreases the log-likelihood.
    pub fn em_step(&mut self, pts: &[Pt]) {
        let r = self.responsibilities(pts);
        for k in 0..self.parts.len() {
            let w: Vec<f64> = r.iter().map(|ri| ri[k]).collect();
            let nk: f64 = w.iter().sum();
            if nk < 1e-9 {
                continue; // an empty component keeps its parameters
            }
            self.weights[k] = nk / pts.len() as f64;
            self.parts[k] = Gaussian::fit_weighted(pts, &w, self.ridge);
        }
        let s: f64 = self.weights.iter().sum();
        self.weights.iter_mut().for_each(|w| *w /= s);
    }

    pub fn log_likelihood(&self, pts: &[Pt]) -> f64 {
        pts.iter().map(|&p| self.log_density(p)).sum()
    }
}

impl Density2 for Mixture {
    fn log_density(&self, p: Pt) -> f64 {
        log_sum_exp(&self.joint_log_probs(p))
    }
    fn sample(&self, rng: &mut Rng) -> Pt {
        let k = rng.categorical(&self.weights);
        self.parts[k].sample(rng)
    }
}

/// Kernel density estimate with an isotropic Gaussian kernel of bandwidth h.
#[derive(Clone, Debug, PartialEq)]
pub struct Kde {
    pub pts: Vec<Pt>,
    pub h: f64,
}

impl Density2 for Kde {
    fn log_density(&self, p: Pt) -> f64 {
        let h2 = self.h * self.h;
        let l: Vec<f64> = self
            .pts
            .iter()
            .map(|q| {
                let d2 = (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2);
                -0.5 * d2 / h2
            })
            .collect();
        log_sum_exp(&l) - (self.pts.len() as f64).ln() - (2.0 * PI * h2).ln()
    }
    fn sample(&self, rng: &mut Rng) -> Pt {
        let q = self.pts[rng.below(self.pts.len() as u32) as usize];
        (q.0 + self.h * rng.normal(), q.1 + self.h * rng.normal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::land::LandMap;

    fn blobs() -> Vec<Pt> {
        let mut rng = Rng::new(11);
        let mut v = Vec::new();
        for i in 0..300 {
            let (cx, cy) = if i % 3 == 0 { (-2.0, 1.0) } else { (3.0, -1.0) };
            v.push((cx + 0.7 * rng.normal(), cy + 0.4 * rng.normal()));
        }
        v
    }

    #[test]
    fn em_never_decreases_the_log_likelihood() {
        let pts = blobs();
        for seed in 0..5 {
            let mut m = Mixture::init(&pts, 3, seed);
            let mut prev = m.log_likelihood(&pts);
            for _ in 0..40 {
                m.em_step(&pts);
                let ll = m.log_likelihood(&pts);
                // The tiny ridge that keeps covariances invertible may cost ~1e-9 relative.
                assert!(ll >= prev - 1e-8 * prev.abs(), "seed {seed}: {ll} < {prev}");
                prev = ll;
            }
        }
    }

    #[test]
    fn em_finds_the_two_blobs() {
        let pts = blobs();
        let mut m = Mixture::init(&pts, 2, 1);
        for _ in 0..60 {
            m.em_step(&pts);
        }
        let mut means: Vec<Pt> = m.parts.iter().map(|g| g.mean).collect();
        means.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            (means[0].0 + 2.0).abs() < 0.2 && (means[1].0 - 3.0).abs() < 0.2,
            "{means:?}"
        );
        let mut w = m.weights.clone();
        w.sort_by(f64::total_cmp);
        assert!((w[0] - 1.0 / 3.0).abs() < 0.05);
    }

    fn grid_integral(m: &dyn Density2, lo: Pt, hi: Pt, n: usize) -> f64 {
        let (dx, dy) = ((hi.0 - lo.0) / n as f64, (hi.1 - lo.1) / n as f64);
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..n {
                let p = (lo.0 + (i as f64 + 0.5) * dx, lo.1 + (j as f64 + 0.5) * dy);
                s += m.log_density(p).exp() * dx * dy;
            }
        }
        s
    }

    #[test]
    fn kde_and_gaussian_integrate_to_one() {
        let pts = blobs();
        let kde = Kde {
            pts: pts.clone(),
            h: 0.3,
        };
        let s = grid_integral(&kde, (-8.0, -6.0), (9.0, 6.0), 300);
        assert!((s - 1.0).abs() < 1e-3, "KDE integral {s}");
        let g = Gaussian::fit(&pts);
        let s = grid_integral(&g, (-15.0, -10.0), (15.0, 10.0), 400);
        assert!((s - 1.0).abs() < 1e-3, "Gaussian integral {s}");
    }

    #[test]
    fn gaussian_fit_and_sampling_agree() {
        let pts = blobs();
        let g = Gaussian::fit(&pts);
        let mut rng = Rng::new(2);
        let xs: Vec<Pt> = (0..50_000).map(|_| g.sample(&mut rng)).collect();
        let g2 = Gaussian::fit(&xs);
        assert!((g.mean.0 - g2.mean.0).abs() < 0.05 && (g.cov[1] - g2.cov[1]).abs() < 0.1);
    }

    #[test]
    fn box_model_and_held_out_likelihood() {
        let land = LandMap::world();
        let mut rng = Rng::new(3);
        let train = land.sample(400, &mut rng);
        let test = land.sample(400, &mut rng);
        let b = BoxModel::bounding(&train);
        assert!(train.iter().all(|&p| b.contains(p)));
        let tight = BoxModel {
            x0: 0.0,
            y0: 0.0,
            x1: 1.0,
            y1: 1.0,
        };
        assert_eq!(mean_log_likelihood(&tight, &test), f64::NEG_INFINITY);
        // A KDE beats a single Gaussian on the land map's held-out points.
        let kde = Kde {
            pts: train.clone(),
            h: 6.0,
        };
        let g = Gaussian::fit(&train);
        assert!(mean_log_likelihood(&kde, &test) > mean_log_likelihood(&g, &test));
    }
}
