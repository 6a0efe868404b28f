//! Neural-network building blocks on top of [`autodiff`](crate::autodiff): parameters,
//! layers, losses, initialisers and optimisers. Device-agnostic: whatever device the
//! parameters live on is where training runs.

pub mod layers;
pub mod optim;
pub mod peer;
pub mod torch;
pub mod weights;

use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::tensor::{Device, Result, Tensor, UnaryOp};

/// A model's named parameters. Layers hold indices into it.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub names: Vec<String>,
    pub values: Vec<Tensor>,
    /// What the layers are in `torch.nn` terms (name prefix, module): for the export in
    /// PyTorch's layout ([`torch`]).
    pub modules: Vec<(String, torch::TorchModule)>,
}

impl Params {
    pub fn add(&mut self, name: impl Into<String>, value: Tensor) -> usize {
        self.names.push(name.into());
        self.values.push(value);
        self.values.len() - 1
    }

    /// Puts every parameter on `tape`, in order, for one forward/backward pass.
    pub fn bind<'t>(&self, tape: &'t Tape) -> Vec<Var<'t>> {
        self.values.iter().map(|v| tape.leaf(v.clone())).collect()
    }

    pub fn count(&self) -> usize {
        self.values.iter().map(|v| v.numel()).sum()
    }

    /// A copy on the CPU (read back from the GPU if needed).
    pub async fn to_cpu(&self) -> Result<Params> {
        let mut values = Vec::with_capacity(self.values.len());
        for v in &self.values {
            values.push(v.to_cpu().await?);
        }
        Ok(Params {
            names: self.names.clone(),
            values,
            modules: self.modules.clone(),
        })
    }

    /// The parameters whose names `keep` accepts (with the layers they belong to), in order.
    pub fn only(&self, keep: impl Fn(&str) -> bool) -> Params {
        let (names, values) = self
            .names
            .iter()
            .zip(&self.values)
            .filter(|(n, _)| keep(n))
            .map(|(n, v)| (n.clone(), v.clone()))
            .unzip();
        Params {
            names,
            values,
            modules: self
                .modules
                .iter()
                .filter(|(prefix, _)| keep(prefix))
                .cloned()
                .collect(),
        }
    }

    pub fn to_device(&self, device: &Device) -> Params {
        Params {
            names: self.names.clone(),
            values: self.values.iter().map(|v| v.to_device(device)).collect(),
            modules: self.modules.clone(),
        }
    }
}

/// Uniform in ±1/√fan_in (PyTorch's default for linear layers).
pub fn init_uniform(shape: &[usize], fan_in: usize, rng: &mut Rng, device: &Device) -> Tensor {
    let bound = 1.0 / (fan_in as f64).sqrt();
    let n = shape.iter().product();
    Tensor::new(
        (0..n).map(|_| rng.range(-bound, bound) as f32).collect(),
        shape,
        device,
    )
    .expect("sizes agree")
}

/// y = x W + b, with W [in, out].
#[derive(Clone, Copy, Debug)]
pub struct Linear {
    pub w: usize,
    pub b: usize,
}

impl Linear {
    pub fn new(
        p: &mut Params,
        name: &str,
        fan_in: usize,
        fan_out: usize,
        rng: &mut Rng,
        device: &Device,
    ) -> Linear {
        let w = p.add(
            format!("{name}.weight"),
            init_uniform(&[fan_in, fan_out], fan_in, rng, device),
        );
        let b = p.add(
            format!("{name}.bias"),
            init_uniform(&[fan_out], fan_in, rng, device),
        );
        p.module(
            name,
            torch::TorchModule::Linear {
                inp: fan_in,
                out: fan_out,
            },
        );
        Linear { w, b }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        x.matmul(&p[self.w])?.add(&p[self.b])
    }
}

/// A multi-layer perceptron with one activation between layers.
#[derive(Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
    pub activation: UnaryOp,
}

impl Mlp {
    pub fn new(
        p: &mut Params,
        name: &str,
        sizes: &[usize],
        activation: UnaryOp,
        rng: &mut Rng,
        device: &Device,
    ) -> Mlp {
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Linear::new(p, &format!("{name}.{i}"), w[0], w[1], rng, device))
            .collect();
        Mlp { layers, activation }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let mut h = *x;
        for (i, l) in self.layers.iter().enumerate() {
            h = l.forward(p, &h)?;
            if i + 1 < self.layers.len() {
                h = h.unary(self.activation, 0.01)?;
            }
        }
        Ok(h)
    }
}

/// Mean squared error.
pub fn mse<'t>(pred: &Var<'t>, target: &Var<'t>) -> Result<Var<'t>> {
    let d = pred.sub(target)?;
    d.mul(&d)?.mean_all()
}

/// Binary cross-entropy on logits: mean(softplus(x) − x·y), stable for large |x|.
pub fn bce_with_logits<'t>(logits: &Var<'t>, targets: &Var<'t>) -> Result<Var<'t>> {
    logits
        .unary(UnaryOp::Softplus, 0.0)?
        .sub(&logits.mul(targets)?)?
        .mean_all()
}

/// Cross-entropy of logits [N, C] against one-hot targets [N, C], averaged over N.
pub fn cross_entropy<'t>(logits: &Var<'t>, one_hot: &Var<'t>) -> Result<Var<'t>> {
    cross_entropy_over(logits, one_hot, logits.shape()[0])
}

/// Cross-entropy of logits [N, C] against one-hot targets [N, C], summed and divided by
/// `count` (rows of zeros are no target: padding).
pub fn cross_entropy_over<'t>(
    logits: &Var<'t>,
    one_hot: &Var<'t>,
    count: usize,
) -> Result<Var<'t>> {
    let c = logits.shape()[1];
    logits
        .log_softmax(1)?
        .mul(one_hot)?
        .reshape(&[logits.shape()[0] * c])?
        .sum(0)?
        .reshape(&[])?
        .scale(-1.0 / count.max(1) as f32)
}

/// KL(N(μ, σ²) ‖ N(0, 1)) summed over the latent axis 1 and averaged over the batch.
pub fn gaussian_kl<'t>(mu: &Var<'t>, logvar: &Var<'t>) -> Result<Var<'t>> {
    let n = mu.shape()[0] as f32;
    let d = mu.shape()[1];
    let t = logvar
        .unary(UnaryOp::AddScalar, 1.0)?
        .sub(&mu.mul(mu)?)?
        .sub(&logvar.unary(UnaryOp::Exp, 0.0)?)?;
    t.reshape(&[mu.shape()[0] * d])?
        .sum(0)?
        .reshape(&[])?
        .scale(-0.5 / n)
}

/// One-hot rows for class labels.
pub fn one_hot(labels: &[usize], classes: usize, device: &Device) -> Tensor {
    let mut v = vec![0.0; labels.len() * classes];
    for (i, &l) in labels.iter().enumerate() {
        v[i * classes + l] = 1.0;
    }
    Tensor::new(v, &[labels.len(), classes], device).expect("sizes agree")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_of(v: Var) -> f32 {
        v.value().cpu_values().unwrap()[0]
    }

    #[test]
    fn losses_by_hand() {
        let tape = Tape::new();
        let d = Device::Cpu;
        let p = tape.leaf(Tensor::new(vec![1.0, 2.0], &[1, 2], &d).unwrap());
        let t = tape.leaf(Tensor::new(vec![0.0, 4.0], &[1, 2], &d).unwrap());
        assert!((scalar_of(mse(&p, &t).unwrap()) - 2.5).abs() < 1e-6);
        // Cross-entropy of equal logits over 2 classes is ln 2.
        let z = tape.leaf(Tensor::new(vec![0.0, 0.0], &[1, 2], &d).unwrap());
        let y = tape.leaf(one_hot(&[1], 2, &d));
        assert!((scalar_of(cross_entropy(&z, &y).unwrap()) - 2f32.ln()).abs() < 1e-6);
        // BCE of logit 0 is ln 2 whatever the label.
        let z1 = tape.leaf(Tensor::new(vec![0.0], &[1, 1], &d).unwrap());
        let y1 = tape.leaf(Tensor::new(vec![1.0], &[1, 1], &d).unwrap());
        assert!((scalar_of(bce_with_logits(&z1, &y1).unwrap()) - 2f32.ln()).abs() < 1e-6);
        // KL of the standard normal to itself is 0; of N(1, 1) it is ½ per dimension.
        let mu = tape.leaf(Tensor::new(vec![1.0, 0.0], &[1, 2], &d).unwrap());
        let lv = tape.leaf(Tensor::new(vec![0.0, 0.0], &[1, 2], &d).unwrap());
        assert!((scalar_of(gaussian_kl(&mu, &lv).unwrap()) - 0.5).abs() < 1e-6);
    }
}
