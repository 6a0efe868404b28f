//! A convolution's windows: im2col (`unfold`) and its adjoint col2im (`fold`), which the
//! convolution layers build on, with the window geometry both check.

use super::shape::{Layout, ShapeError};
use super::{cpu, Result, Storage, Tensor};
use std::sync::Arc;

impl Tensor {
    fn conv_geometry(
        &self,
        x_shape: &[usize],
        kh: usize,
        kw: usize,
        stride: usize,
        pad: usize,
    ) -> Result<cpu::Conv> {
        if x_shape.len() != 4
            || stride == 0
            || x_shape[2] + 2 * pad < kh
            || x_shape[3] + 2 * pad < kw
        {
            return Err(ShapeError(format!("a {kh}×{kw} window (stride {stride}, padding {pad}) does not fit an input of shape {x_shape:?}")).into());
        }
        Ok(cpu::Conv {
            n: x_shape[0],
            c: x_shape[1],
            h: x_shape[2],
            w: x_shape[3],
            kh,
            kw,
            stride,
            pad,
        })
    }

    /// im2col: [N, C, H, W] → [N, C·KH·KW, OH·OW] (the windows of a convolution as columns).
    pub fn unfold(&self, kh: usize, kw: usize, stride: usize, pad: usize) -> Result<Tensor> {
        let g = self.conv_geometry(self.shape(), kh, kw, stride, pad)?;
        let x = self.contiguous();
        let storage = match &x.storage {
            Storage::Cpu(d) => Storage::Cpu(Arc::new(cpu::unfold(d, &g))),
            Storage::Gpu(b) => Storage::Gpu(b.gpu.unfold(b, &g, false)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(&[g.n, g.rows(), g.out_h() * g.out_w()]),
            storage,
        })
    }

    /// col2im, the adjoint of [`Tensor::unfold`]: columns back to an image of `image` shape
    /// [N, C, H, W], summing where windows overlap.
    pub fn fold(
        &self,
        image: &[usize],
        kh: usize,
        kw: usize,
        stride: usize,
        pad: usize,
    ) -> Result<Tensor> {
        let g = self.conv_geometry(image, kh, kw, stride, pad)?;
        if self.shape() != [g.n, g.rows(), g.out_h() * g.out_w()] {
            return Err(ShapeError(format!(
                "fold: columns of shape {:?} do not match image {image:?}",
                self.shape()
            ))
            .into());
        }
        let x = self.contiguous();
        let storage = match &x.storage {
            Storage::Cpu(d) => Storage::Cpu(Arc::new(cpu::fold(d, &g))),
            Storage::Gpu(b) => Storage::Gpu(b.gpu.unfold(b, &g, true)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(image),
            storage,
        })
    }
}
