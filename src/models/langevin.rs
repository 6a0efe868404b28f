//! Lesson 9's Langevin dynamics: particles moved downhill on an energy E(x) with noise,
//! x ← x − ε ∇E(x) + √(2 ε T) ξ, ξ ~ N(0, I). At temperature T = 1 and small ε the particles'
//! distribution tends to p(x) ∝ e^(−E(x)); T < 1 sharpens it towards the minima, T > 1
//! blurs it. First on an energy known exactly (a mixture of Gaussians), so the particles
//! can be measured against the truth.

use crate::data::Rng;
pub use crate::models::diffusion::energy_distance;

/// A point on the plane.
pub type Pt = (f64, f64);

/// A mixture of isotropic Gaussians on the plane: weights, centres, standard deviations.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussMix {
    pub parts: Vec<(f64, Pt, f64)>,
}

impl GaussMix {
    /// The lesson's landscape: three wells of different depth and width.
    pub fn lesson() -> GaussMix {
        GaussMix {
            parts: vec![
                (0.5, (-0.55, 0.35), 0.16),
                (0.3, (0.55, 0.45), 0.12),
                (0.2, (0.1, -0.6), 0.2),
            ],
        }
    }

    /// The exact density.
    pub fn density(&self, p: Pt) -> f64 {
        self.parts
            .iter()
            .map(|&(w, (mx, my), s)| {
                let d2 = (p.0 - mx).powi(2) + (p.1 - my).powi(2);
                w * (-d2 / (2.0 * s * s)).exp() / (2.0 * std::f64::consts::PI * s * s)
            })
            .sum()
    }

    /// E(x) = −log p(x).
    pub fn energy(&self, p: Pt) -> f64 {
        -self.density(p).max(1e-300).ln()
    }

    /// ∇E(x) = −∇p / p: the responsibility-weighted pull towards each centre.
    pub fn grad(&self, p: Pt) -> Pt {
        let (mut gx, mut gy, mut total) = (0.0, 0.0, 0.0);
        for &(w, (mx, my), s) in &self.parts {
            let d2 = (p.0 - mx).powi(2) + (p.1 - my).powi(2);
            let q = w * (-d2 / (2.0 * s * s)).exp() / (s * s);
            total += q;
            gx += q * (p.0 - mx) / (s * s);
            gy += q * (p.1 - my) / (s * s);
        }
        if total <= 0.0 {
            // Far from every well: the pull of the nearest, as the log-sum-exp would give.
            let &(_, (mx, my), s) = self
                .parts
                .iter()
                .min_by(|a, b| {
                    let da = (p.0 - a.1 .0).powi(2) + (p.1 - a.1 .1).powi(2);
                    let db = (p.0 - b.1 .0).powi(2) + (p.1 - b.1 .1).powi(2);
                    (da / (a.2 * a.2)).total_cmp(&(db / (b.2 * b.2)))
                })
                .expect("a mixture has parts");
            return ((p.0 - mx) / (s * s), (p.1 - my) / (s * s));
        }
        (gx / total, gy / total)
    }

    /// Exact draws.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<Pt> {
        (0..n)
            .map(|_| {
                let mut u = rng.uniform();
                let mut pick = self.parts.len() - 1;
                for (i, part) in self.parts.iter().enumerate() {
                    if u < part.0 {
                        pick = i;
                        break;
                    }
                    u -= part.0;
                }
                let (_, (mx, my), s) = self.parts[pick];
                (mx + s * rng.normal(), my + s * rng.normal())
            })
            .collect()
    }
}

/// One Langevin step of every particle, given the energy's gradient at each (`grads`), with
/// step ε and temperature T.
pub fn langevin_step(pts: &mut [Pt], grads: &[Pt], eps: f64, temp: f64, rng: &mut Rng) {
    let noise = (2.0 * eps * temp).sqrt();
    for (p, g) in pts.iter_mut().zip(grads) {
        p.0 += -eps * g.0 + noise * rng.normal();
        p.1 += -eps * g.1 + noise * rng.normal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gradient_is_the_energy_s_slope() {
        let m = GaussMix::lesson();
        for p in [(-0.5, 0.3), (0.0, 0.0), (0.7, -0.2), (1.5, 1.5)] {
            let h = 1e-6;
            let fx = (m.energy((p.0 + h, p.1)) - m.energy((p.0 - h, p.1))) / (2.0 * h);
            let fy = (m.energy((p.0, p.1 + h)) - m.energy((p.0, p.1 - h))) / (2.0 * h);
            let g = m.grad(p);
            assert!(
                (g.0 - fx).abs() < 1e-4 * (1.0 + fx.abs())
                    && (g.1 - fy).abs() < 1e-4 * (1.0 + fy.abs()),
                "{p:?}: {g:?} vs ({fx}, {fy})"
            );
        }
    }

    /// Langevin at T = 1 from a uniform start reaches the mixture (2000 steps of ε = 0.003):
    /// its energy distance to exact draws falls near the level two exact sets show; at
    /// T = 0.1 it does not.
    #[test]
    fn langevin_at_temperature_one_reaches_the_mixture() {
        let m = GaussMix::lesson();
        let mut rng = Rng::new(1);
        let start: Vec<Pt> = (0..600)
            .map(|_| (rng.range(-1.2, 1.2), rng.range(-1.2, 1.2)))
            .collect();
        let exact = m.sample(600, &mut Rng::new(2));
        let other = m.sample(600, &mut Rng::new(3));
        let floor = energy_distance(&exact, &other);
        let run = |temp: f64| {
            let mut pts = start.clone();
            let mut rng = Rng::new(4);
            for _ in 0..2000 {
                let g: Vec<Pt> = pts.iter().map(|&p| m.grad(p)).collect();
                langevin_step(&mut pts, &g, 3e-3, temp, &mut rng);
            }
            energy_distance(&pts, &exact)
        };
        let (warm, cold) = (run(1.0), run(0.1));
        eprintln!("energy distance: T = 1 {warm}, T = 0.1 {cold}, exact sets {floor}");
        assert!(warm < 3.0 * floor + 0.003, "T = 1: {warm} vs floor {floor}");
        assert!(cold > 2.0 * warm, "T = 0.1: {cold} vs T = 1: {warm}");
    }
}
