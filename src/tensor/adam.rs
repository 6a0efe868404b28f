//! One Adam (or AdamW) update of a parameter tensor as a single op ([`AdamStep`]'s
//! formula): both moments, their bias corrections and the step in one pass. On the GPU
//! that is one kernel where the same update written as tensor ops took thirteen
//! dispatches per parameter tensor.

use super::shape::Layout;
use super::{AdamStep, Result, ShapeError, Storage, Tensor};
use std::sync::Arc;

impl Tensor {
    /// This parameter after one update from gradient `g`, with the moments `(m, v)` from
    /// the last step (none before the first): `(parameter, m, v)`, all of its shape and
    /// on its device.
    pub fn adam_step(
        &self,
        g: &Tensor,
        moments: Option<(&Tensor, &Tensor)>,
        s: &AdamStep,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let dev = self.device();
        let mut all = vec![g];
        all.extend(moments.iter().flat_map(|(m, v)| [*m, *v]));
        for t in &all {
            if t.shape() != self.shape() {
                return Err(ShapeError(format!(
                    "an Adam step of a {:?} parameter got a {:?} tensor",
                    self.shape(),
                    t.shape()
                ))
                .into());
            }
            if !t.device().same(&dev) {
                return Err(self.device_mismatch(t));
            }
        }
        let n = self.numel();
        let (p, g) = (self.contiguous(), g.contiguous());
        let mv = moments.map(|(m, v)| (m.contiguous(), v.contiguous()));
        let storage: [Storage; 3] = match (&p.storage, &g.storage) {
            (Storage::Cpu(pd), Storage::Cpu(gd)) => {
                let (mut p2, mut m2, mut v2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                let old = match &mv {
                    Some((m, v)) => Some((m.cpu_storage()?, v.cpu_storage()?)),
                    None => None,
                };
                for i in 0..n {
                    let before = old.as_ref().map(|(m, v)| (m[i], v[i]));
                    (p2[i], m2[i], v2[i]) = s.element(pd[i], gd[i], before);
                }
                [p2, m2, v2].map(|d| Storage::Cpu(Arc::new(d)))
            }
            (Storage::Gpu(pb), Storage::Gpu(gb)) => {
                let old = match &mv {
                    Some((m, v)) => Some((m.gpu_storage()?, v.gpu_storage()?)),
                    None => None,
                };
                let out = pb.gpu.adam(pb, gb, old, n, s);
                out.map(Storage::Gpu)
            }
            _ => return Err(self.device_mismatch(&g)),
        };
        let [p2, m2, v2] = storage.map(|storage| Tensor {
            layout: Layout::contiguous(self.shape()),
            storage,
        });
        Ok((p2, m2, v2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::UnaryOp;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_vec(v.to_vec(), &[v.len()]).unwrap()
    }

    /// The update written as separate tensor ops, as the optimiser did before this op.
    fn by_ops(p: &Tensor, g: &Tensor, mv: Option<(&Tensor, &Tensor)>, s: &AdamStep) -> [Tensor; 3] {
        let ema = |prev: Option<&Tensor>, x: &Tensor, beta: f32| {
            let fresh = x.unary(UnaryOp::MulScalar, 1.0 - beta);
            match prev {
                Some(p) => p.unary(UnaryOp::MulScalar, beta).add(&fresh).unwrap(),
                None => fresh,
            }
        };
        let m = ema(mv.map(|x| x.0), g, s.beta1);
        let v = ema(mv.map(|x| x.1), &g.mul(g).unwrap(), s.beta2);
        let upd = m
            .unary(UnaryOp::MulScalar, s.correct1)
            .div(
                &v.unary(UnaryOp::MulScalar, s.correct2)
                    .unary(UnaryOp::Sqrt, 0.0)
                    .unary(UnaryOp::AddScalar, s.eps),
            )
            .unwrap();
        let mut p2 = p.sub(&upd.unary(UnaryOp::MulScalar, s.lr)).unwrap();
        if s.weight_decay != 0.0 {
            let decay = p.unary(UnaryOp::MulScalar, s.lr * s.weight_decay);
            p2 = p2.sub(&decay).unwrap();
        }
        [p2, m, v]
    }

    #[test]
    fn one_op_gives_the_same_bits_as_the_update_written_as_tensor_ops() {
        let p = t(&[0.5, -1.25, 3.0, 0.0, 1e-3]);
        let g = t(&[0.1, -2.0, 1e-6, 0.0, -0.3]);
        let m = t(&[0.01, -0.2, 0.5, 0.0, 1.0]);
        let v = t(&[1e-4, 0.3, 0.02, 0.0, 2.0]);
        for (step, decay) in [(1, 0.0), (7, 0.0), (3, 0.01)] {
            let s = AdamStep::at(step, 2e-3, 0.5, 0.999, 1e-8, decay);
            for mv in [None, Some((&m, &v))] {
                let (p2, m2, v2) = p.adam_step(&g, mv, &s).unwrap();
                let want = by_ops(&p, &g, mv, &s);
                for (got, want) in [p2, m2, v2].iter().zip(&want) {
                    assert_eq!(got.cpu_values().unwrap(), want.cpu_values().unwrap());
                }
            }
        }
    }

    #[test]
    fn mismatched_shapes_are_refused() {
        let s = AdamStep::at(1, 1e-3, 0.9, 0.999, 1e-8, 0.0);
        let e = t(&[1.0, 2.0]).adam_step(&t(&[1.0]), None, &s).unwrap_err();
        assert!(
            e.to_string().contains("[2] parameter got a [1] tensor"),
            "{e}"
        );
    }
}
