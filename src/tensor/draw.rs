//! Random numbers made on the tensor's device: uniform or normal streams from a seed (the
//! same on both backends) and Bernoulli draws from probabilities.

use super::shape::{self, Layout};
use super::{cpu, BinaryOp, Device, Result, Storage, Tensor};
use std::sync::Arc;

impl Tensor {
    /// Uniform [0, 1) or standard-normal numbers from `seed`, generated on `device`. The
    /// CPU and the GPU draw the same stream (to float rounding in the normal transform).
    pub fn random(shape: &[usize], seed: u64, normal: bool, device: &Device) -> Tensor {
        let n = shape::numel(shape);
        cpu::keep_freed_memory();
        let storage = match device {
            Device::Cpu => Storage::Cpu(Arc::new(cpu::random(n, seed, normal))),
            Device::Gpu(g) => Storage::Gpu(g.random(n, seed, normal)),
        };
        Tensor {
            layout: Layout::contiguous(shape),
            storage,
        }
    }

    /// 1 with probability `self` (each element in [0, 1]), else 0, from `seed`, on this
    /// tensor's device: a uniform draw of [`Tensor::random`] compared with the
    /// probability, so the CPU and the GPU draw the same bits from the same
    /// probabilities. An RBM's Gibbs sampling on the device.
    pub fn bernoulli(&self, seed: u64) -> Result<Tensor> {
        let u = Tensor::random(self.shape(), seed, false, &self.device());
        self.binary(BinaryOp::Gt, &u)
    }
}
