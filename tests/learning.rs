//! Learning: a small MLP fits two-moons to over 95 % accuracy from a fixed seed, on the CPU
//! and on the GPU (lavapipe in CI), and both paths end at the same loss to tolerance.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;

mod moons;
use genlab::data::Rng;
use genlab::nn::optim::{Kind, Optimizer};
use genlab::nn::{cross_entropy, one_hot, Params};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, ReduceOp, Tensor, UnaryOp};

fn fit_two_moons(device: &Device, opt: Optimizer, steps: usize) -> (Vec<f32>, f64) {
    let m = moons::moons(256, 7, &[2, 32, 32, 2], 1);
    let (x, y, labels, mlp) = (
        m.x.to_device(device),
        m.y.to_device(device),
        m.labels,
        m.mlp,
    );
    let mut params = m.params.to_device(device);
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

/// Horizontal (0) or vertical (1) bars on an 8×8 canvas, with noise.
fn bars(n: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let mut x = Vec::with_capacity(n * 64);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let label = i % 2;
        let pos = r.below(8) as usize;
        for row in 0..8 {
            for col in 0..8 {
                let on = if label == 0 { row == pos } else { col == pos };
                x.push(if on { 1.0 } else { 0.0 } + 0.2 * r.normal() as f32);
            }
        }
        y.push(label);
    }
    (x, y)
}

fn fit_conv(device: &Device) -> Vec<f32> {
    use genlab::nn::layers::{Conv2d, ConvSpec};
    use genlab::nn::Linear;
    let (xs, ys) = bars(64, 3);
    let x = Tensor::new(xs, &[64, 1, 8, 8], device).unwrap();
    let y = one_hot(&ys, 2, device);
    let mut rng = Rng::new(2);
    let mut params = Params::default();
    let conv = Conv2d::new(
        &mut params,
        "conv",
        ConvSpec {
            cin: 1,
            cout: 4,
            k: 3,
            stride: 2,
            pad: 1,
        },
        &mut rng,
        &Device::Cpu,
    );
    let head = Linear::new(&mut params, "head", 4 * 4 * 4, 2, &mut rng, &Device::Cpu);
    params = params.to_device(device);
    let mut opt = Optimizer::adam(0.01);
    let mut losses = Vec::new();
    for _ in 0..60 {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let h = conv
            .forward(&p, &tape.leaf(x.clone()))
            .unwrap()
            .unary(UnaryOp::Relu, 0.0)
            .unwrap();
        let logits = head.forward(&p, &h.reshape(&[64, 64]).unwrap()).unwrap();
        let loss = cross_entropy(&logits, &tape.leaf(y.clone())).unwrap();
        let g = tape.backward(loss).unwrap();
        opt.step(&mut params, &p, &g).unwrap();
        losses.push(block_on(loss.value().to_vec()).unwrap()[0]);
    }
    losses
}

#[test]
fn small_conv_net_learns_on_cpu_and_gpu_alike() {
    let cpu = fit_conv(&Device::Cpu);
    assert!(cpu[59] < 0.5 * cpu[0], "CPU loss {} → {}", cpu[0], cpu[59]);
    let gpu = fit_conv(&Device::Gpu(block_on(Gpu::new()).expect("a GPU adapter")));
    assert!(gpu[59] < 0.5 * gpu[0], "GPU loss {} → {}", gpu[0], gpu[59]);
    for (i, (c, g)) in cpu.iter().zip(&gpu).enumerate() {
        assert!(
            (c - g).abs() < 1e-3 + 1e-2 * c.abs(),
            "step {i}: CPU {c} vs GPU {g}"
        );
    }
}
