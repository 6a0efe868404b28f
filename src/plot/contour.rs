//! Contour lines of a grid of values (marching squares): for each level, the segments
//! where the values cross it, as one polyline whose breaks are non-finite points (a
//! `Layer::Line` lifts the pen there).

/// A grid of `cols` × `rows` values at cell centres over x ∈ [x0, x1], y ∈ [y0, y1], row
/// 0 at the top (as `Layer::Heatmap` draws it).
#[derive(Clone, Copy, Debug)]
pub struct Grid<'a> {
    pub values: &'a [f64],
    pub cols: usize,
    pub rows: usize,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Grid<'_> {
    fn at(&self, r: usize, c: usize) -> ((f64, f64), f64) {
        let w = (self.x.1 - self.x.0) / self.cols as f64;
        let h = (self.y.1 - self.y.0) / self.rows as f64;
        (
            (
                self.x.0 + (c as f64 + 0.5) * w,
                self.y.1 - (r as f64 + 0.5) * h,
            ),
            self.values[r * self.cols + c],
        )
    }
}

/// One polyline per level: every crossing segment, each followed by a break.
pub fn contours(g: Grid, levels: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let gap = (f64::NAN, f64::NAN);
    levels
        .iter()
        .map(|&level| {
            let mut out = Vec::new();
            for r in 0..g.rows.saturating_sub(1) {
                for c in 0..g.cols.saturating_sub(1) {
                    // Corners clockwise from the top left; edges between them in turn.
                    let corners = [
                        g.at(r, c),
                        g.at(r, c + 1),
                        g.at(r + 1, c + 1),
                        g.at(r + 1, c),
                    ];
                    let mut cuts = Vec::with_capacity(4);
                    for i in 0..4 {
                        let ((p, a), (q, b)) = (corners[i], corners[(i + 1) % 4]);
                        if (a < level) != (b < level) && a.is_finite() && b.is_finite() {
                            let t = (level - a) / (b - a);
                            cuts.push((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)));
                        }
                    }
                    for pair in cuts.chunks_exact(2) {
                        out.extend([pair[0], pair[1], gap]);
                    }
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contour of r² at level 1 lies on the unit circle.
    #[test]
    fn a_paraboloid_s_contour_is_a_circle() {
        let n = 60;
        let values: Vec<f64> = (0..n * n)
            .map(|i| {
                let (r, c) = (i / n, i % n);
                let x = -2.0 + (c as f64 + 0.5) * 4.0 / n as f64;
                let y = 2.0 - (r as f64 + 0.5) * 4.0 / n as f64;
                x * x + y * y
            })
            .collect();
        let g = Grid {
            values: &values,
            cols: n,
            rows: n,
            x: (-2.0, 2.0),
            y: (-2.0, 2.0),
        };
        let lines = contours(g, &[1.0]);
        let pts: Vec<_> = lines[0].iter().filter(|p| p.0.is_finite()).collect();
        assert!(pts.len() > 100);
        for p in pts {
            assert!((p.0.hypot(p.1) - 1.0).abs() < 0.01, "{p:?}");
        }
    }
}
