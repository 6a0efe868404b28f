//! Lesson 8's first picture: the change of variables on a line. A standard Gaussian z is
//! pushed through a monotone map x = f(z) = z + a·tanh(2(z − c)); where f stretches
//! (f′ > 1) the density thins, where it squeezes it piles up:
//! p_x(x) = p_z(z) / f′(z) at z = f⁻¹(x), and the total stays 1.

/// The bend's strength a is kept above this, so f′ = 1 + 2a·sech²(…) stays ≥ 0.1.
pub const MIN_BEND: f64 = -0.45;

/// The map z ↦ z + a·tanh(2(z − c)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bend {
    pub a: f64,
    pub c: f64,
}

impl Bend {
    pub fn new(a: f64, c: f64) -> Bend {
        Bend {
            a: a.max(MIN_BEND),
            c,
        }
    }

    pub fn f(&self, z: f64) -> f64 {
        z + self.a * (2.0 * (z - self.c)).tanh()
    }

    /// f′(z): how much the map stretches the line at z (|det J| in one dimension).
    pub fn slope(&self, z: f64) -> f64 {
        let t = (2.0 * (z - self.c)).tanh();
        1.0 + 2.0 * self.a * (1.0 - t * t)
    }

    /// f⁻¹(x), by bisection (f is increasing).
    pub fn inverse(&self, x: f64) -> f64 {
        let reach = self.a.abs() + 1.0;
        let (mut lo, mut hi) = (x - reach, x + reach);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if self.f(mid) < x {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The density of x = f(z) for a standard Gaussian z.
    pub fn density(&self, x: f64) -> f64 {
        let z = self.inverse(x);
        normal_pdf(z) / self.slope(z)
    }
}

/// The standard Gaussian's density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// ∫ g over [lo, hi] by the midpoint rule on `n` cells.
pub fn integral(g: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    let h = (hi - lo) / n as f64;
    (0..n).map(|i| g(lo + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pushed_density_integrates_to_one_and_inverse_undoes_f() {
        for (a, c) in [(0.0, 0.0), (2.0, 0.5), (MIN_BEND, -1.0), (3.0, -2.0)] {
            let b = Bend::new(a, c);
            let total = integral(|x| b.density(x), -12.0, 12.0, 6000);
            assert!((total - 1.0).abs() < 1e-4, "a {a} c {c}: {total}");
            for z in [-2.5, -0.3, 0.0, 1.7] {
                assert!((b.inverse(b.f(z)) - z).abs() < 1e-9);
                let h = 1e-5;
                let fd = (b.f(z + h) - b.f(z - h)) / (2.0 * h);
                assert!((fd - b.slope(z)).abs() < 1e-6, "{fd} vs {}", b.slope(z));
            }
            assert!((0..100).all(|i| b.slope(-5.0 + 0.1 * i as f64) >= 0.1 - 1e-12));
        }
    }
}
