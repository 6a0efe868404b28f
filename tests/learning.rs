//! Learning: a small MLP fits two-moons to over 95 % accuracy from a fixed seed, on the CPU
//! and on the GPU (lavapipe in CI), and both paths end at the same loss to tolerance.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;
use genlab::data::toys::two_moons;
use genlab::data::Rng;
use genlab::nn::optim::{Kind, Optimizer};
use genlab::nn::{cross_entropy, one_hot, Mlp, Params};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, ReduceOp, Tensor, UnaryOp};

fn fit_two_moons(device: &Device, opt: Optimizer, steps: usize) -> (Vec<f32>, f64) {
    let data = two_moons(256, 0.1, 7);
    let x = Tensor::new(
        data.iter()
            .flat_map(|d| [d.0 .0 as f32, d.0 .1 as f32])
            .collect(),
        &[256, 2],
        device,
    )
    .unwrap();
    let labels: Vec<usize> = data.iter().map(|d| d.1 as usize).collect();
    let y = one_hot(&labels, 2, device);
    let mut rng = Rng::new(1);
    let mut params = Params::default();
    let mlp = Mlp::new(
        &mut params,
        "mlp",
        &[2, 32, 32, 2],
        UnaryOp::Tanh,
        &mut rng,
        &Device::Cpu,
    );
    params = params.to_device(device);
    let mut opt = opt;
    let mut losses = Vec::new();
    for _ in 0..steps {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let (xv, yv) = (tape.leaf(x.clone()), tape.leaf(y.clone()));
        let loss = cross_entropy(&mlp.forward(&p, &xv).unwrap(), &yv).unwrap();
        let g = tape.backward(loss).unwrap();
        opt.step(&mut params, &p, &g).unwrap();
        losses.push(block_on(loss.value().to_vec()).unwrap()[0]);
    }
    let tape = Tape::new();
    let p = params.bind(&tape);
    let pred = mlp
        .forward(&p, &tape.leaf(x))
        .unwrap()
        .value()
        .reduce(ReduceOp::ArgMax, 1)
        .unwrap();
    let pred = block_on(pred.to_vec()).unwrap();
    let acc = pred
        .iter()
        .zip(&labels)
        .filter(|(p, l)| **p as usize == **l)
        .count() as f64
        / labels.len() as f64;
    (losses, acc)
}

#[test]
fn mlp_fits_two_moons_on_cpu_and_gpu_alike() {
    let (cpu_losses, cpu_acc) = fit_two_moons(&Device::Cpu, Optimizer::adam(0.02), 300);
    assert!(cpu_acc > 0.95, "CPU accuracy {cpu_acc}");
    assert!(
        cpu_losses[299] < 0.25 * cpu_losses[0],
        "{} → {}",
        cpu_losses[0],
        cpu_losses[299]
    );
    let gpu = Device::Gpu(block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)"));
    let (gpu_losses, gpu_acc) = fit_two_moons(&gpu, Optimizer::adam(0.02), 300);
    assert!(gpu_acc > 0.95, "GPU accuracy {gpu_acc}");
    // Same seed, same maths: the two paths agree step by step, to float tolerance.
    for (i, (c, g)) in cpu_losses.iter().zip(&gpu_losses).enumerate().step_by(25) {
        assert!(
            (c - g).abs() < 1e-3 + 1e-2 * c.abs(),
            "step {i}: CPU loss {c} vs GPU {g}"
        );
    }
}

#[test]
fn sgd_with_momentum_and_clipping_also_learn() {
    let mut opt = Optimizer::new(Kind::Sgd { momentum: 0.9 }, 0.05);
    opt.clip_norm = Some(1.0);
    let (losses, acc) = fit_two_moons(&Device::Cpu, opt, 400);
    assert!(
        losses[399] < losses[0] && acc > 0.9,
        "loss {} → {}, accuracy {acc}",
        losses[0],
        losses[399]
    );
    let opt = Optimizer::new(
        Kind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        },
        0.02,
    );
    let (_, acc) = fit_two_moons(&Device::Cpu, opt, 300);
    assert!(acc > 0.95, "AdamW accuracy {acc}");
}
