//! The lesson's 2-D data (the swiss roll, land points) and the energy distance that
//! measures samples against them.

use crate::data::Rng;

/// The 2-D data sets of the lesson, scaled to about ±1.
pub fn swiss_roll(n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    (0..n)
        .map(|_| {
            let t = rng.range(1.5 * std::f64::consts::PI, 4.5 * std::f64::consts::PI);
            (
                t * t.cos() / 10.0 + 0.02 * rng.normal(),
                t * t.sin() / 10.0 + 0.02 * rng.normal(),
            )
        })
        .collect()
}

/// Lesson 1's degrees of longitude and latitude to the plane's units: (x, y) ↦
/// (x · LAND_SCALE.0, y · LAND_SCALE.1), about ±1.
pub const LAND_SCALE: (f64, f64) = (1.6 / 180.0, 0.8 / 90.0);

/// Points on land of lesson 1's world map, scaled from degrees to about ±1.
pub fn land_points(n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    use std::sync::OnceLock;
    static MAP: OnceLock<crate::data::land::LandMap> = OnceLock::new();
    MAP.get_or_init(crate::data::land::LandMap::world)
        .sample(n, rng)
        .into_iter()
        .map(|(x, y)| (x * LAND_SCALE.0, y * LAND_SCALE.1))
        .collect()
}

/// Energy distance between two point sets: 2E|X − Y| − E|X − X'| − E|Y − Y'| (0 when the
/// distributions are equal).
pub fn energy_distance(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let d = |p: &(f64, f64), q: &(f64, f64)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
    let mean = |x: &[(f64, f64)], y: &[(f64, f64)]| {
        let mut s = 0.0;
        for p in x {
            for q in y {
                s += d(p, q);
            }
        }
        s / (x.len() * y.len()) as f64
    };
    2.0 * mean(a, b) - mean(a, a) - mean(b, b)
}
