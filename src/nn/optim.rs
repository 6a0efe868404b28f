//! Optimisers: SGD with momentum, Adam and AdamW, and clipping by global gradient norm.
//! Updates are tensor ops (Adam's is one fused op), so they run on the parameters' device
//! without a readback.

use super::Params;
use crate::autodiff::{Grads, Var};
use crate::tensor::{AdamStep, BinaryOp, Result, Tensor, UnaryOp};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Sgd {
        momentum: f32,
    },
    Adam {
        beta1: f32,
        beta2: f32,
        eps: f32,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        beta1: f32,
        beta2: f32,
        eps: f32,
        weight_decay: f32,
    },
}

#[derive(Clone, Debug)]
pub struct Optimizer {
    pub kind: Kind,
    pub lr: f32,
    /// Rescale all gradients together when their global L2 norm exceeds this.
    pub clip_norm: Option<f32>,
    step: u32,
    m: Vec<Option<Tensor>>,
    v: Vec<Option<Tensor>>,
}

impl Optimizer {
    pub fn new(kind: Kind, lr: f32) -> Self {
        Optimizer {
            kind,
            lr,
            clip_norm: None,
            step: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    pub fn adam(lr: f32) -> Self {
        Self::adam_betas(lr, 0.9, 0.999)
    }

    /// Adam with its moments' decay rates (GANs: β₁ = 0.5, as in the DCGAN paper).
    pub fn adam_betas(lr: f32, beta1: f32, beta2: f32) -> Self {
        Self::new(
            Kind::Adam {
                beta1,
                beta2,
                eps: 1e-8,
            },
            lr,
        )
    }

    pub fn steps(&self) -> u32 {
        self.step
    }

    /// A copy whose moment estimates live on the CPU (read back from the GPU if needed).
    pub async fn to_cpu(&self) -> Result<Optimizer> {
        let mut o = self.clone();
        for t in o.m.iter_mut().chain(o.v.iter_mut()).flatten() {
            *t = t.to_cpu().await?;
        }
        Ok(o)
    }

    /// A copy whose moment estimates live on `device`.
    pub fn to_device(&self, device: &crate::tensor::Device) -> Optimizer {
        let mut o = self.clone();
        for t in o.m.iter_mut().chain(o.v.iter_mut()).flatten() {
            *t = t.to_device(device);
        }
        o
    }

    /// Applies one update to `params` from the gradients of the bound variables `vars`.
    pub fn step(&mut self, params: &mut Params, vars: &[Var], grads: &Grads) -> Result<()> {
        self.step_only(params, vars, grads, |_| true)
    }

    /// Like [`Optimizer::step`], for the parameters whose index `mine` accepts only (one
    /// group of a model trained in parts, e.g. a GAN's discriminator): the others keep
    /// their values whatever their gradients, and clipping sees this group's alone.
    pub fn step_only(
        &mut self,
        params: &mut Params,
        vars: &[Var],
        grads: &Grads,
        mine: impl Fn(usize) -> bool,
    ) -> Result<()> {
        self.step += 1;
        let n = params.values.len();
        self.m.resize(n, None);
        self.v.resize(n, None);
        let mut gs: Vec<Option<Tensor>> = vars
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if mine(i) {
                    grads.get(*v).cloned()
                } else {
                    None
                }
            })
            .collect();
        if let Some(max) = self.clip_norm {
            clip(&mut gs, max)?;
        }
        let t = self.step as i32;
        for (i, g) in gs.into_iter().enumerate() {
            let Some(g) = g else { continue };
            let p = &params.values[i];
            let new = match self.kind {
                Kind::Sgd { momentum } => {
                    let m = match self.m[i].take() {
                        Some(m) => m.unary(UnaryOp::MulScalar, momentum).add(&g)?,
                        None => g,
                    };
                    let p2 = p.sub(&m.unary(UnaryOp::MulScalar, self.lr))?;
                    self.m[i] = Some(m);
                    p2
                }
                Kind::Adam { beta1, beta2, eps } => {
                    self.adam_update(i, p, &g, AdamStep::at(t, self.lr, beta1, beta2, eps, 0.0))?
                }
                Kind::AdamW {
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                } => {
                    let s = AdamStep::at(t, self.lr, beta1, beta2, eps, weight_decay);
                    self.adam_update(i, p, &g, s)?
                }
            };
            params.values[i] = new;
        }
        Ok(())
    }

    /// Parameter `i`'s Adam update (one op: one kernel on the GPU), keeping its moments.
    fn adam_update(&mut self, i: usize, p: &Tensor, g: &Tensor, s: AdamStep) -> Result<Tensor> {
        let moments = match (self.m[i].take(), self.v[i].take()) {
            (Some(m), Some(v)) => Some((m, v)),
            _ => None,
        };
        let (p2, m, v) = p.adam_step(g, moments.as_ref().map(|(m, v)| (m, v)), &s)?;
        self.m[i] = Some(m);
        self.v[i] = Some(v);
        Ok(p2)
    }
}

/// Scales all gradients by min(1, max / ‖g‖) computed on the device.
fn clip(gs: &mut [Option<Tensor>], max: f32) -> Result<()> {
    let mut total: Option<Tensor> = None;
    for g in gs.iter().flatten() {
        let sq = g.mul(g)?.reshape(&[g.numel()])?.sum(0)?;
        total = Some(match total {
            Some(t) => t.add(&sq)?,
            None => sq,
        });
    }
    let Some(total) = total else { return Ok(()) };
    let norm = total.unary(UnaryOp::Sqrt, 0.0);
    let cap = Tensor::full(max, &[1], &norm.device());
    let scale = cap.div(&norm.binary(BinaryOp::Max, &cap)?)?.reshape(&[])?;
    for g in gs.iter_mut().flatten() {
        *g = g.mul(&scale)?;
    }
    Ok(())
}
