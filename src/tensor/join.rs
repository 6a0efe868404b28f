//! Picking and joining: element-wise choice (`where_`), concatenation along an axis and
//! an embedding table's rows picked by index.

use super::shape::{self, Layout, ShapeError};
use super::{cpu, Result, Storage, Tensor, TensorError};
use std::sync::Arc;

impl Tensor {
    /// `a` where `cond` is non-zero, else `b` (all three broadcast together).
    pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let shape = shape::broadcast_shapes(
            &shape::broadcast_shapes(cond.shape(), a.shape())?,
            b.shape(),
        )?;
        let (lc, la, lb) = (
            cond.layout.broadcast_to(&shape)?,
            a.layout.broadcast_to(&shape)?,
            b.layout.broadcast_to(&shape)?,
        );
        let storage = match (&cond.storage, &a.storage, &b.storage) {
            (Storage::Cpu(c), Storage::Cpu(x), Storage::Cpu(y)) => {
                Storage::Cpu(Arc::new(cpu::where_(c, &lc, x, &la, y, &lb)))
            }
            (Storage::Gpu(c), Storage::Gpu(x), Storage::Gpu(y))
                if Arc::ptr_eq(&c.gpu, &x.gpu) && Arc::ptr_eq(&x.gpu, &y.gpu) =>
            {
                Storage::Gpu(x.gpu.where_((c, &lc), (x, &la), (y, &lb)))
            }
            _ => {
                return Err(TensorError::Device(
                    "where: inputs on different devices".into(),
                ))
            }
        };
        Ok(Tensor {
            layout: Layout::contiguous(&shape),
            storage,
        })
    }

    /// Joins tensors along `axis`; every other axis must agree.
    pub fn concat(parts: &[Tensor], axis: usize) -> Result<Tensor> {
        let first = parts
            .first()
            .ok_or_else(|| ShapeError("concat of nothing".into()))?;
        let rank = first.layout.rank();
        if axis >= rank {
            return Err(
                ShapeError(format!("concat along axis {axis} of rank-{rank} tensors")).into(),
            );
        }
        let mut shape = first.shape().to_vec();
        shape[axis] = 0;
        for p in parts {
            let ok = p.layout.rank() == rank
                && (0..rank).all(|d| d == axis || p.shape()[d] == first.shape()[d]);
            if !ok {
                return Err(ShapeError(format!(
                    "concat: shape {:?} does not fit {:?} along axis {axis}",
                    p.shape(),
                    first.shape()
                ))
                .into());
            }
            if !p.device().same(&first.device()) {
                return Err(first.device_mismatch(p));
            }
            shape[axis] += p.shape()[axis];
        }
        let out_layout = Layout::contiguous(&shape);
        let mut start = 0;
        let storage = match &first.storage {
            Storage::Cpu(_) => {
                let mut out = vec![0.0; out_layout.numel()];
                for p in parts {
                    let dst = out_layout.narrow(axis, start, p.shape()[axis])?;
                    cpu::copy_into(p.cpu_storage()?, &p.layout, &mut out, &dst);
                    start += p.shape()[axis];
                }
                Storage::Cpu(Arc::new(out))
            }
            Storage::Gpu(g) => {
                let out = g.gpu.zeros(out_layout.numel());
                for p in parts {
                    let dst = out_layout.narrow(axis, start, p.shape()[axis])?;
                    if p.numel() > 0 {
                        g.gpu.copy_into(p.gpu_storage()?, &p.layout, &out, &dst);
                    }
                    start += p.shape()[axis];
                }
                Storage::Gpu(out)
            }
        };
        Ok(Tensor {
            layout: out_layout,
            storage,
        })
    }

    /// Rows of a [rows, cols] table picked by `idx` (whole numbers as f32): an embedding lookup.
    pub fn gather_rows(&self, idx: &Tensor) -> Result<Tensor> {
        if self.layout.rank() != 2 {
            return Err(ShapeError(format!(
                "gather_rows needs a [rows, cols] table, got {:?}",
                self.shape()
            ))
            .into());
        }
        let (rows, cols) = (self.shape()[0], self.shape()[1]);
        let n = idx.numel();
        let table = self.contiguous();
        let idx = idx.contiguous();
        let mut out_shape = idx.shape().to_vec();
        out_shape.push(cols);
        let storage = match (&table.storage, &idx.storage) {
            (Storage::Cpu(t), Storage::Cpu(i)) => {
                if let Some(bad) = i[..n]
                    .iter()
                    .find(|&&r| r < 0.0 || r as usize >= rows || r.fract() != 0.0)
                {
                    return Err(ShapeError(format!(
                        "index {bad} is not a row of a table with {rows} rows"
                    ))
                    .into());
                }
                Storage::Cpu(Arc::new(cpu::gather_rows(t, cols, &i[..n])))
            }
            (Storage::Gpu(t), Storage::Gpu(i)) if Arc::ptr_eq(&t.gpu, &i.gpu) => {
                Storage::Gpu(t.gpu.gather_rows(t, cols, i, n))
            }
            _ => return Err(self.device_mismatch(&idx)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(&out_shape),
            storage,
        })
    }
}
