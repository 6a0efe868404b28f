//! Principal component analysis: the best linear k-dimensional latent space (in squared
//! error) for a set of vectors. Components are found one at a time by power iteration on
//! the centred data (never forming the D×D covariance), deflating after each.

#[derive(Clone, Debug)]
pub struct Pca {
    pub mean: Vec<f64>,
    /// Unit-length directions, largest variance first.
    pub components: Vec<Vec<f64>>,
    /// Standard deviation of the data along each component.
    pub sd: Vec<f64>,
    /// Fraction of the total variance each component explains.
    pub explained: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Pca {
    /// Fits `k` components to `rows` (each of the same length), with a fixed start so the
    /// result is deterministic. Signs are fixed so each component's largest entry is positive.
    pub fn fit(rows: &[Vec<f32>], k: usize) -> Pca {
        let n = rows.len().max(1);
        let d = rows.first().map_or(0, |r| r.len());
        let mut mean = vec![0.0; d];
        for r in rows {
            for (m, &v) in mean.iter_mut().zip(r) {
                *m += v as f64 / n as f64;
            }
        }
        let mut x: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| r.iter().zip(&mean).map(|(&v, m)| v as f64 - m).collect())
            .collect();
        let total: f64 = x.iter().map(|r| dot(r, r)).sum::<f64>() / n as f64;
        let (mut components, mut sd, mut explained) = (Vec::new(), Vec::new(), Vec::new());
        for c in 0..k.min(d) {
            // v ← Xᵀ X v, normalised.
            let mut v: Vec<f64> = (0..d)
                .map(|i| 1.0 + ((i * 7 + c * 13) % 11) as f64 / 11.0)
                .collect();
            let mut lambda = 0.0;
            for _ in 0..300 {
                let mut next = vec![0.0; d];
                for r in &x {
                    let s = dot(r, &v);
                    for (o, &ri) in next.iter_mut().zip(r) {
                        *o += s * ri;
                    }
                }
                let norm = dot(&next, &next).sqrt();
                if norm == 0.0 {
                    break;
                }
                next.iter_mut().for_each(|o| *o /= norm);
                let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
                v = next;
                lambda = norm / n as f64;
                if change < 1e-10 {
                    break;
                }
            }
            let big = v
                .iter()
                .cloned()
                .fold(0.0f64, |m, e| if e.abs() > m.abs() { e } else { m });
            if big < 0.0 {
                v.iter_mut().for_each(|e| *e = -*e);
            }
            for r in x.iter_mut() {
                let s = dot(r, &v);
                for (ri, &vi) in r.iter_mut().zip(&v) {
                    *ri -= s * vi;
                }
            }
            sd.push(lambda.sqrt());
            explained.push(if total > 0.0 { lambda / total } else { 0.0 });
            components.push(v);
        }
        Pca {
            mean,
            components,
            sd,
            explained,
        }
    }

    /// Coordinates of `x` along the components, in units of each component's standard
    /// deviation (so the data cloud is about ±2 on each axis).
    pub fn project(&self, x: &[f32]) -> Vec<f64> {
        self.components
            .iter()
            .zip(&self.sd)
            .map(|(c, s)| {
                let p: f64 = x
                    .iter()
                    .zip(&self.mean)
                    .zip(c)
                    .map(|((&v, m), ci)| (v as f64 - m) * ci)
                    .sum();
                if *s > 0.0 {
                    p / s
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The point of data space at standardised coordinates `z` (the inverse of `project`
    /// on the span of the components).
    pub fn reconstruct(&self, z: &[f64]) -> Vec<f32> {
        let mut out = self.mean.clone();
        for ((c, s), &zi) in self.components.iter().zip(&self.sd).zip(z) {
            for (o, ci) in out.iter_mut().zip(c) {
                *o += zi * s * ci;
            }
        }
        out.into_iter().map(|v| v as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rng;

    #[test]
    fn finds_the_axes_of_an_elongated_cloud() {
        // Points along (1, 1, 0)/√2 with sd 3 and along (1, −1, 0)/√2 with sd 1.
        let mut rng = Rng::new(3);
        let rows: Vec<Vec<f32>> = (0..2000)
            .map(|_| {
                let (a, b) = (3.0 * rng.normal(), rng.normal());
                let s = std::f64::consts::FRAC_1_SQRT_2;
                vec![
                    (5.0 + s * (a + b)) as f32,
                    (-2.0 + s * (a - b)) as f32,
                    (0.01 * rng.normal()) as f32,
                ]
            })
            .collect();
        let p = Pca::fit(&rows, 2);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!((p.components[0][0] - s).abs() < 0.02 && (p.components[0][1] - s).abs() < 0.02);
        assert!((p.components[1][0].abs() - s).abs() < 0.02);
        assert!((p.sd[0] - 3.0).abs() < 0.2 && (p.sd[1] - 1.0).abs() < 0.08);
        assert!((p.explained[0] - 0.9).abs() < 0.02);
        assert!(dot(&p.components[0], &p.components[1]).abs() < 1e-6);
        // Projection and reconstruction invert each other on the span.
        let z = p.project(&rows[0]);
        let back = p.project(&p.reconstruct(&z));
        assert!((z[0] - back[0]).abs() < 1e-4 && (z[1] - back[1]).abs() < 1e-4);
    }
}
