//! The jars of lesson 4: grey-scale 32×32 pictures of jars that differ in two things only,
//! height and width. Two numbers describe every picture exactly, so a good 2-D latent
//! space should rediscover them.

use super::Rng;

pub const SIDE: usize = 32;
/// Bumped whenever the drawing changes (shipped weights record it in their manifest).
pub const VERSION: &str = "jars-1";

/// Heights and widths in pixels, drawn uniformly from these ranges.
pub const HEIGHT: (f64, f64) = (10.0, 28.0);
pub const WIDTH: (f64, f64) = (8.0, 26.0);

/// Grey levels: the paper is light, the glass darker, the lid darkest.
const PAPER: f32 = 1.0;
const GLASS: f32 = 0.3;
const LID: f32 = 0.05;
const SUPERSAMPLE: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jar {
    pub height: f64,
    pub width: f64,
}

impl Jar {
    /// Height and width as fractions of their ranges (0 = smallest, 1 = largest).
    pub fn factors(&self) -> (f64, f64) {
        (
            (self.height - HEIGHT.0) / (HEIGHT.1 - HEIGHT.0),
            (self.width - WIDTH.0) / (WIDTH.1 - WIDTH.0),
        )
    }

    /// The grey level at a point (pixel units, y down): body with rounded bottom corners,
    /// a narrower neck and a lid, standing on the same floor line.
    fn shade(&self, x: f64, y: f64) -> f32 {
        let floor = 30.0;
        let top = floor - self.height;
        let cx = SIDE as f64 / 2.0;
        let half = self.width / 2.0;
        let lid_h = (self.height * 0.14).max(1.5);
        let neck_h = (self.height * 0.08).max(1.0);
        let dx = (x - cx).abs();
        if y < top || y > floor {
            return PAPER;
        }
        if y < top + lid_h {
            return if dx <= half * 0.62 { LID } else { PAPER };
        }
        if y < top + lid_h + neck_h {
            return if dx <= half * 0.5 { GLASS } else { PAPER };
        }
        // Body: a rectangle whose bottom corners are rounded with radius r.
        let r = (half * 0.45).min(4.0);
        if dx > half {
            return PAPER;
        }
        if y > floor - r && dx > half - r {
            let (ox, oy) = (dx - (half - r), y - (floor - r));
            if ox * ox + oy * oy > r * r {
                return PAPER;
            }
        }
        GLASS
    }

    /// The picture, row-major, grey levels in [0, 1] (1 = paper).
    pub fn render(&self) -> Vec<f32> {
        let mut out = vec![0.0; SIDE * SIDE];
        let n = (SUPERSAMPLE * SUPERSAMPLE) as f32;
        for py in 0..SIDE {
            for px in 0..SIDE {
                let mut acc = 0.0;
                for sy in 0..SUPERSAMPLE {
                    for sx in 0..SUPERSAMPLE {
                        let x = px as f64 + (sx as f64 + 0.5) / SUPERSAMPLE as f64;
                        let y = py as f64 + (sy as f64 + 0.5) / SUPERSAMPLE as f64;
                        acc += self.shade(x, y);
                    }
                }
                out[py * SIDE + px] = acc / n;
            }
        }
        out
    }
}

/// `n` jars with uniformly drawn height and width, fixed by `seed`.
pub fn sample(n: usize, seed: u64) -> Vec<Jar> {
    let mut rng = Rng::new(seed ^ 0x4a41_5253);
    (0..n)
        .map(|_| Jar {
            height: rng.range(HEIGHT.0, HEIGHT.1),
            width: rng.range(WIDTH.0, WIDTH.1),
        })
        .collect()
}

/// Grey levels in [0, 1] → RGB bytes, for display.
pub fn to_rgb(grey: &[f32]) -> Vec<u8> {
    grey.iter()
        .flat_map(|&g| {
            let v = (g.clamp(0.0, 1.0) * 255.0).round() as u8;
            [v, v, v]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jars_differ_only_in_height_and_width() {
        let js = sample(50, 1);
        assert_eq!(js, sample(50, 1));
        for j in &js {
            assert!((HEIGHT.0..HEIGHT.1).contains(&j.height));
            assert!((WIDTH.0..WIDTH.1).contains(&j.width));
        }
        // Taller jars cover more rows; wider ones more columns; area grows with both.
        let ink = |j: Jar| j.render().iter().map(|g| 1.0 - g).sum::<f32>();
        let small = Jar {
            height: 12.0,
            width: 10.0,
        };
        let tall = Jar {
            height: 26.0,
            width: 10.0,
        };
        let wide = Jar {
            height: 12.0,
            width: 24.0,
        };
        assert!(ink(tall) > 1.8 * ink(small));
        assert!(ink(wide) > 1.8 * ink(small));
        let img = tall.render();
        assert!(img.iter().all(|g| (0.0..=1.0).contains(g)));
        // The top row and the corners are paper.
        assert_eq!(img[0], 1.0);
        assert_eq!(img[SIDE * SIDE - 1], 1.0);
    }
}
