//! The two-moons classification task the learning, training and browser tests share:
//! inputs [n, 2], one-hot targets [n, 2], labels, and a freshly initialised tanh MLP.
#![allow(dead_code)]

use genlab::data::toys::two_moons;
use genlab::data::Rng;
use genlab::nn::{one_hot, Mlp, Params};
use genlab::tensor::{Device, Tensor, UnaryOp};

pub struct Moons {
    pub x: Tensor,
    pub y: Tensor,
    pub labels: Vec<usize>,
    pub mlp: Mlp,
    pub params: Params,
}

/// `n` points (noise 0.1) from `data_seed`; an MLP of `sizes` initialised from `init_seed`.
/// Everything on the CPU; callers move it where they train.
pub fn moons(n: usize, data_seed: u64, sizes: &[usize], init_seed: u64) -> Moons {
    let data = two_moons(n, 0.1, data_seed);
    let x = Tensor::from_vec(
        data.iter()
            .flat_map(|d| [d.0 .0 as f32, d.0 .1 as f32])
            .collect(),
        &[n, 2],
    )
    .unwrap();
    let labels: Vec<usize> = data.iter().map(|d| d.1 as usize).collect();
    let y = one_hot(&labels, 2, &Device::Cpu);
    let mut params = Params::default();
    let mlp = Mlp::new(
        &mut params,
        "mlp",
        sizes,
        UnaryOp::Tanh,
        &mut Rng::new(init_seed),
        &Device::Cpu,
    );
    Moons {
        x,
        y,
        labels,
        mlp,
        params,
    }
}
