//! The peer workload of `shared/peer-bench`, shared by the native bench and the in-page
//! bench: one Adam step of an MLP 784-256-256-784 on a batch of 128 with an MSE loss.

use super::optim::Optimizer;
use super::{mse, Mlp, Params};
use crate::autodiff::Tape;
use crate::data::Rng;
use crate::tensor::{Device, Result, Tensor, UnaryOp};

/// Uniform in [−1, 1), from the engine's counter-based generator on `device`.
pub fn uniform_pm1(shape: &[usize], seed: u64, device: &Device) -> Tensor {
    Tensor::random(shape, seed, false, device)
        .unary(UnaryOp::MulScalar, 2.0)
        .unary(UnaryOp::AddScalar, -1.0)
}

pub struct PeerMlp {
    mlp: Mlp,
    params: Params,
    opt: Optimizer,
    x: Tensor,
}

impl PeerMlp {
    pub fn new(device: &Device) -> PeerMlp {
        let mut params = Params::default();
        let mlp = Mlp::new(
            &mut params,
            "mlp",
            &[784, 256, 256, 784],
            UnaryOp::Relu,
            &mut Rng::new(3),
            &Device::Cpu,
        );
        PeerMlp {
            mlp,
            params: params.to_device(device),
            opt: Optimizer::adam(1e-3),
            x: uniform_pm1(&[128, 784], 4, device),
        }
    }

    /// One training step (an autoencoder-style MSE on the batch); returns the loss tensor,
    /// whose readback is how a caller waits for the step to finish on a GPU.
    pub fn step(&mut self) -> Result<Tensor> {
        let tape = Tape::new();
        let p = self.params.bind(&tape);
        let xv = tape.leaf(self.x.clone());
        let loss = mse(&self.mlp.forward(&p, &xv)?, &xv)?;
        let g = tape.backward(loss)?;
        self.opt.step(&mut self.params, &p, &g)?;
        Ok(loss.value())
    }
}
