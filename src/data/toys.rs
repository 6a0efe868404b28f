//! Small labelled 2-D data sets for lesson 0 (generative vs discriminative).

use super::rng::Rng;

/// Paintings described by two numbers (brush-stroke curl, colour saturation), labelled
/// 1 for Van Gogh and 0 for other painters. Van Gogh's lie in a curved band; the others
/// spread widely. Fixed by the seed.
pub fn paintings(n_per_class: usize, seed: u64) -> Vec<((f64, f64), u8)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(2 * n_per_class);
    for _ in 0..n_per_class {
        let t = rng.range(-1.0, 1.0);
        let x = 0.62 + 0.22 * t + 0.05 * rng.normal();
        let y = 0.70 - 0.25 * t * t + 0.05 * rng.normal();
        out.push(((x, y), 1));
    }
    for _ in 0..n_per_class {
        let x = 0.35 + 0.17 * rng.normal();
        let y = 0.38 + 0.16 * rng.normal();
        out.push(((x, y), 0));
    }
    out
}

/// The two-moons data set: two interleaved half circles with Gaussian noise, labels 0/1.
pub fn two_moons(n: usize, noise: f64, seed: u64) -> Vec<((f64, f64), u8)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let t = rng.uniform() * std::f64::consts::PI;
            let (x, y, c) = if i % 2 == 0 {
                (t.cos(), t.sin(), 0)
            } else {
                (1.0 - t.cos(), 0.5 - t.sin(), 1)
            };
            ((x + noise * rng.normal(), y + noise * rng.normal()), c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn paintings_are_seeded() {
        assert_eq!(super::paintings(20, 3), super::paintings(20, 3));
        assert_eq!(
            super::paintings(20, 3).iter().filter(|p| p.1 == 1).count(),
            20
        );
    }
}
