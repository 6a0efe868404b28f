//! The data sets on the plane that lessons 6, 8, 9 and 10 train on: the ring of eight
//! Gaussians, two moons, lesson 10's swiss roll, lesson 1's land map, and points the
//! reader draws. How the page names and sends a choice of them is here too, so each
//! lesson's settings read them the same way.

use crate::data::Rng;
use crate::models::diffusion::{land_points, swiss_roll};
use crate::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Modes of the ring, their radius and spread (the data lives in about ±1).
pub const RING_MODES: usize = 8;
pub const RING_RADIUS: f64 = 0.8;
pub const RING_SD: f64 = 0.03;
/// The jitter added to the reader's drawn points when they are sampled.
pub const DRAWN_SD: f64 = 0.02;

/// A distribution on the plane a model learns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Eight Gaussians on a circle.
    Ring,
    /// Two interleaved half circles.
    Moons,
    /// Lesson 10's swiss roll.
    SwissRoll,
    /// Lesson 1's land map.
    Land,
    /// Points the reader drew; sampled with a little jitter.
    Drawn(Vec<(f32, f32)>),
}

/// The data sets a reader picks from, in the page's order, with their names; the
/// drawing is the last.
pub const TARGET_NAMES: [&str; 5] = [
    "ring of 8",
    "two moons",
    "swiss roll",
    "land",
    "draw your own",
];
/// The drawing's place in [`TARGET_NAMES`].
pub const DRAWN: u8 = 4;

impl Target {
    /// The data set at `index` of [`TARGET_NAMES`]; the drawing holds `drawn`.
    pub fn chosen(index: u8, drawn: Vec<(f32, f32)>) -> Target {
        match index {
            0 => Target::Ring,
            1 => Target::Moons,
            2 => Target::SwissRoll,
            3 => Target::Land,
            _ => Target::Drawn(drawn),
        }
    }

    /// This choice as the page sends it with a run: ("target", [index]) or ("drawn",
    /// x and y in turn).
    pub fn option(&self) -> (String, Vec<f32>) {
        match self {
            Target::Drawn(p) => (
                "drawn".into(),
                p.iter().flat_map(|&(x, y)| [x, y]).collect(),
            ),
            t => {
                let i = [Target::Ring, Target::Moons, Target::SwissRoll, Target::Land]
                    .iter()
                    .position(|k| k == t)
                    .unwrap_or(0);
                ("target".into(), vec![i as f32])
            }
        }
    }

    /// The data set an option names, if it is one ("target" or "drawn"); a bad value is
    /// refused with a reason.
    pub fn from_option(name: &str, values: &[f32]) -> Option<Result<Target, String>> {
        match name {
            "target" => Some(match values {
                [v] if (0.0..=3.0).contains(v) => Ok(Target::chosen(v.round() as u8, Vec::new())),
                _ => Err(format!(
                    "the setting “target” takes one number from 0 to 3, not {values:?}"
                )),
            }),
            "drawn" => Some(
                if values.len() < 2
                    || values.len() % 2 != 0
                    || values.iter().any(|v| !v.is_finite())
                {
                    Err("draw at least one point to train on your own distribution".into())
                } else {
                    Ok(Target::Drawn(
                        values.chunks(2).map(|c| (c[0], c[1])).collect(),
                    ))
                },
            ),
            _ => None,
        }
    }

    /// The page's "data" call of the models on the plane: args [n, seed] → n points of
    /// this data set from `seed` (at most 10 000), one row of two numbers each.
    pub fn sample_rows(&self, args: &[f64]) -> Vec<Vec<f32>> {
        let n = args.first().map_or(0, |&n| n.clamp(0.0, 10_000.0) as usize);
        let seed = args.get(1).map_or(0, |&s| s as u64);
        point_rows(&self.sample(n, &mut Rng::new(seed)))
    }

    /// `n` points, drawn with `rng`.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
        match self {
            Target::Ring => (0..n)
                .map(|_| {
                    let (cx, cy) = ring_mode(rng.below(RING_MODES as u32) as usize);
                    (cx + RING_SD * rng.normal(), cy + RING_SD * rng.normal())
                })
                .collect(),
            Target::Moons => (0..n)
                .map(|_| {
                    let t = rng.uniform() * std::f64::consts::PI;
                    let (x, y) = if rng.uniform() < 0.5 {
                        (t.cos(), t.sin())
                    } else {
                        (1.0 - t.cos(), 0.5 - t.sin())
                    };
                    // Centred on the origin and scaled to about ±0.8.
                    (
                        0.55 * (x - 0.5) + 0.03 * rng.normal(),
                        0.55 * (y - 0.25) + 0.03 * rng.normal(),
                    )
                })
                .collect(),
            Target::SwissRoll => swiss_roll(n, rng),
            Target::Land => land_points(n, rng),
            Target::Drawn(points) if points.is_empty() => Target::Ring.sample(n, rng),
            Target::Drawn(points) => (0..n)
                .map(|_| {
                    let (x, y) = points[rng.below(points.len() as u32) as usize];
                    (
                        x as f64 + DRAWN_SD * rng.normal(),
                        y as f64 + DRAWN_SD * rng.normal(),
                    )
                })
                .collect(),
        }
    }
}

/// Points as the rows of two numbers the page's calls carry.
pub fn point_rows(pts: &[(f64, f64)]) -> Vec<Vec<f32>> {
    pts.iter().map(|&(x, y)| vec![x as f32, y as f32]).collect()
}

/// A call's rows of two numbers as points (a missing second number reads 0).
pub fn row_points(rows: &[Vec<f32>]) -> Vec<(f64, f64)> {
    rows.iter()
        .map(|r| (r[0] as f64, r.get(1).copied().unwrap_or(0.0) as f64))
        .collect()
}

/// Points as a [n, 2] tensor (what every model of the plane reads).
pub fn points_tensor(pts: &[(f64, f64)], dev: &Device) -> crate::tensor::Result<Tensor> {
    let flat: Vec<f32> = pts
        .iter()
        .flat_map(|&(x, y)| [x as f32, y as f32])
        .collect();
    Tensor::new(flat, &[pts.len(), 2], dev)
}

/// The centre of mode `i` of the ring.
pub fn ring_mode(i: usize) -> (f64, f64) {
    let a = std::f64::consts::TAU * i as f64 / RING_MODES as f64;
    (RING_RADIUS * a.cos(), RING_RADIUS * a.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_goes_through_the_page_and_back() {
        let drawn = vec![(0.1, -0.2), (0.3, 0.4)];
        for i in 0..=DRAWN {
            let t = Target::chosen(i, drawn.clone());
            let (name, values) = t.option();
            assert_eq!(Target::from_option(&name, &values), Some(Ok(t)));
        }
        assert!(matches!(
            Target::from_option("target", &[7.0]),
            Some(Err(_))
        ));
        assert!(matches!(Target::from_option("drawn", &[1.0]), Some(Err(_))));
        assert_eq!(Target::from_option("lr", &[1.0]), None);
    }
}
