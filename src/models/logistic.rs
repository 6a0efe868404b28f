//! Lesson 0's discriminative model: logistic regression on quadratic features of a 2-D
//! point, trained by full-batch gradient descent. It answers P(y = 1 | x) and nothing else.

/// Quadratic features of (x, y): 1, x, y, x², y², xy.
fn features(p: (f64, f64)) -> [f64; 6] {
    let (x, y) = p;
    [1.0, x, y, x * x, y * y, x * y]
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[derive(Clone, Debug, Default)]
pub struct Logistic {
    pub w: [f64; 6],
}

impl Logistic {
    pub fn prob(&self, p: (f64, f64)) -> f64 {
        sigmoid(features(p).iter().zip(&self.w).map(|(f, w)| f * w).sum())
    }

    /// Mean binary cross-entropy on labelled points.
    pub fn loss(&self, data: &[((f64, f64), u8)]) -> f64 {
        data.iter()
            .map(|&(p, y)| {
                let q = self.prob(p).clamp(1e-12, 1.0 - 1e-12);
                if y == 1 {
                    -q.ln()
                } else {
                    -(1.0 - q).ln()
                }
            })
            .sum::<f64>()
            / data.len() as f64
    }

    /// `steps` of gradient descent on the mean cross-entropy.
    pub fn train(&mut self, data: &[((f64, f64), u8)], steps: usize, lr: f64) {
        for _ in 0..steps {
            let mut g = [0.0; 6];
            for &(p, y) in data {
                let f = features(p);
                let err = self.prob(p) - y as f64;
                for (gk, fk) in g.iter_mut().zip(f) {
                    *gk += err * fk;
                }
            }
            for (w, gk) in self.w.iter_mut().zip(g) {
                *w -= lr * gk / data.len() as f64;
            }
        }
    }

    pub fn accuracy(&self, data: &[((f64, f64), u8)]) -> f64 {
        let ok = data
            .iter()
            .filter(|&&(p, y)| (self.prob(p) > 0.5) == (y == 1))
            .count();
        ok as f64 / data.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::toys::paintings;

    #[test]
    fn learns_to_tell_the_paintings_apart() {
        let data = paintings(150, 1);
        let mut m = Logistic::default();
        let l0 = m.loss(&data);
        m.train(&data, 2000, 2.0);
        assert!(m.loss(&data) < 0.5 * l0);
        // The classes overlap a little, so a perfect score is not possible.
        assert!(m.accuracy(&data) > 0.85, "{}", m.accuracy(&data));
    }
}
