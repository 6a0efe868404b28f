//! The land/sea world map of lesson 1: P_data is uniform on land and zero at sea.
//!
//! The map is generated, not downloaded: continents are placed roughly where Earth's are
//! (sums of anisotropic bumps) and their coasts roughened by seeded fractal value noise.
//! Coordinates are longitude x ∈ [-180, 180) and latitude y ∈ [-90, 90) on a flat map.

use super::rng::Rng;

pub const COLS: usize = 144;
pub const ROWS: usize = 72;
pub const X_MIN: f64 = -180.0;
pub const X_MAX: f64 = 180.0;
pub const Y_MIN: f64 = -90.0;
pub const Y_MAX: f64 = 90.0;
const CELL: f64 = 2.5; // degrees per cell, both ways

/// (longitude, latitude, spread in x, spread in y) of the continents' bumps.
const BUMPS: &[(f64, f64, f64, f64)] = &[
    (-100.0, 45.0, 24.0, 13.0),
    (-118.0, 62.0, 22.0, 8.0),
    (-80.0, 38.0, 8.0, 9.0),
    (-95.0, 20.0, 8.0, 5.0),
    (-84.0, 11.0, 4.0, 4.0),
    (-42.0, 72.0, 11.0, 6.0),
    (-62.0, -8.0, 14.0, 13.0),
    (-66.0, -33.0, 7.0, 13.0),
    (12.0, 49.0, 15.0, 7.0),
    (16.0, 63.0, 6.0, 6.0),
    (-3.0, 40.0, 5.0, 4.0),
    (20.0, 8.0, 17.0, 14.0),
    (8.0, 20.0, 19.0, 7.0),
    (26.0, -18.0, 10.0, 11.0),
    (90.0, 52.0, 38.0, 12.0),
    (78.0, 22.0, 8.0, 8.0),
    (105.0, 30.0, 13.0, 10.0),
    (45.0, 24.0, 9.0, 6.0),
    (135.0, 62.0, 20.0, 8.0),
    (103.0, 12.0, 4.0, 6.0),
    (134.0, -25.0, 14.0, 8.0),
    (113.0, -2.0, 9.0, 2.5),
    (138.0, 37.0, 2.5, 4.0),
    (47.0, -19.0, 2.5, 5.0),
    (-2.0, 54.0, 2.5, 3.5),
];

/// Seeds of lesson 1's training and held-out points.
pub const LESSON_TRAIN_SEED: u64 = 21;
pub const LESSON_TEST_SEED: u64 = 22;

/// A land mask and everything needed to use it as a density.
#[derive(Clone, Debug)]
pub struct LandMap {
    /// Row-major, row 0 at the top (northernmost), true = land.
    pub land: Vec<bool>,
    land_cells: Vec<usize>,
}

fn value_noise(grid: &[f64], gw: usize, x: f64, y: f64) -> f64 {
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (tx, ty) = (x - x0 as f64, y - y0 as f64);
    let s = |t: f64| t * t * (3.0 - 2.0 * t);
    let g = |i: usize, j: usize| grid[j * gw + i];
    let a = g(x0, y0) + (g(x0 + 1, y0) - g(x0, y0)) * s(tx);
    let b = g(x0, y0 + 1) + (g(x0 + 1, y0 + 1) - g(x0, y0 + 1)) * s(tx);
    a + (b - a) * s(ty)
}

impl LandMap {
    /// The world of lesson 1. Deterministic: the seed is fixed.
    pub fn world() -> LandMap {
        Self::generate(0x01a4_d5ea)
    }

    pub fn generate(seed: u64) -> LandMap {
        let mut rng = Rng::new(seed);
        // Three octaves of value noise on coarse random grids.
        let octaves: Vec<(usize, Vec<f64>)> = [10usize, 20, 40, 80]
            .iter()
            .map(|&n| {
                let gw = 2 * n + 2;
                (
                    n,
                    (0..gw * (n + 2))
                        .map(|_| rng.uniform() * 2.0 - 1.0)
                        .collect(),
                )
            })
            .collect();
        let mut land = vec![false; COLS * ROWS];
        for r in 0..ROWS {
            for c in 0..COLS {
                let (x, y) = Self::cell_centre(c, r);
                let bump = BUMPS
                    .iter()
                    .map(|&(bx, by, sx, sy)| {
                        let (dx, dy) = ((x - bx) / sx, (y - by) / sy);
                        (-0.5 * (dx * dx + dy * dy)).exp()
                    })
                    .fold(0.0, f64::max);
                let (u, v) = (
                    (c as f64 + 0.5) / COLS as f64,
                    (r as f64 + 0.5) / ROWS as f64,
                );
                let mut noise = 0.0;
                let mut amp = 0.5;
                for (n, grid) in &octaves {
                    noise += amp * value_noise(grid, 2 * n + 2, u * 2.0 * *n as f64, v * *n as f64);
                    amp *= 0.5;
                }
                land[r * COLS + c] = bump + 0.6 * noise > 0.45;
            }
        }
        let land_cells = (0..land.len()).filter(|&i| land[i]).collect();
        LandMap { land, land_cells }
    }

    pub fn cell_centre(c: usize, r: usize) -> (f64, f64) {
        (
            X_MIN + (c as f64 + 0.5) * CELL,
            Y_MAX - (r as f64 + 0.5) * CELL,
        )
    }

    pub fn is_land(&self, x: f64, y: f64) -> bool {
        if !(X_MIN..X_MAX).contains(&x) || !(Y_MIN..Y_MAX).contains(&y) {
            return false;
        }
        let c = ((x - X_MIN) / CELL) as usize;
        let r = ((Y_MAX - y) / CELL) as usize;
        self.land[r.min(ROWS - 1) * COLS + c.min(COLS - 1)]
    }

    /// Land area in square degrees.
    pub fn land_area(&self) -> f64 {
        self.land_cells.len() as f64 * CELL * CELL
    }

    pub fn land_fraction(&self) -> f64 {
        self.land_cells.len() as f64 / (COLS * ROWS) as f64
    }

    /// The true density P_data(x, y): uniform on land.
    pub fn density(&self, x: f64, y: f64) -> f64 {
        if self.is_land(x, y) {
            1.0 / self.land_area()
        } else {
            0.0
        }
    }

    /// Lesson 1's 300 training points (what its models are fitted to).
    pub fn lesson_train(&self) -> Vec<(f64, f64)> {
        self.sample(300, &mut Rng::new(LESSON_TRAIN_SEED))
    }

    /// Lesson 1's 1000 held-out points (what its models are scored on).
    pub fn lesson_test(&self) -> Vec<(f64, f64)> {
        self.sample(1000, &mut Rng::new(LESSON_TEST_SEED))
    }

    /// Points drawn uniformly on land.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
        (0..n)
            .map(|_| {
                let i = self.land_cells[rng.below(self.land_cells.len() as u32) as usize];
                let (c, r) = (i % COLS, i / COLS);
                let x = X_MIN + (c as f64 + rng.uniform()) * CELL;
                let y = Y_MAX - (r as f64 + rng.uniform()) * CELL;
                (x, y)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_is_deterministic_and_plausible() {
        let a = LandMap::world();
        assert_eq!(a.land, LandMap::world().land);
        let f = a.land_fraction();
        assert!((0.2..0.45).contains(&f), "land fraction {f}");
        // Mid-Pacific is sea, central Asia and the Sahara are land.
        assert!(!a.is_land(-150.0, 0.0));
        assert!(a.is_land(90.0, 50.0));
        assert!(a.is_land(15.0, 15.0));
    }

    #[test]
    fn density_integrates_to_one_and_samples_fall_on_land() {
        let m = LandMap::world();
        let mut total = 0.0;
        for r in 0..ROWS {
            for c in 0..COLS {
                let (x, y) = LandMap::cell_centre(c, r);
                total += m.density(x, y) * CELL * CELL;
            }
        }
        assert!((total - 1.0).abs() < 1e-9);
        let mut rng = Rng::new(5);
        assert!(m
            .sample(2000, &mut rng)
            .iter()
            .all(|&(x, y)| m.is_land(x, y)));
    }
}
