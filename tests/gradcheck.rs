//! Gradient checks: every differentiable op's backward rule against central finite
//! differences (CPU), and the same backward pass on the GPU against the CPU (lavapipe in
//! CI). Loss = Σ f(x) · w with random weights w, so every output element matters.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::{Tape, Var};
use genlab::data::Rng;
use genlab::tensor::gpu::Gpu;
use genlab::tensor::op::{BINARY_OPS, UNARY_OPS};
use genlab::tensor::{block_on, BinaryOp, Device, ReduceOp, Result, Tensor, UnaryOp};
use std::sync::{Arc, OnceLock};

fn gpu() -> Device {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    Device::Gpu(
        GPU.get_or_init(|| block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)"))
            .clone(),
    )
}

fn random(shape: &[usize], lo: f32, hi: f32, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..shape.iter().product())
        .map(|_| r.range(lo as f64, hi as f64) as f32)
        .collect()
}

type F = dyn for<'t> Fn(&[Var<'t>]) -> Result<Var<'t>>;

/// Loss and gradients of Σ f(inputs) · w on `device`.
fn run(
    f: &F,
    inputs: &[(Vec<f32>, Vec<usize>)],
    w: &[f32],
    device: &Device,
) -> (f32, Vec<Vec<f32>>) {
    let tape = Tape::new();
    let vars: Vec<Var> = inputs
        .iter()
        .map(|(v, s)| tape.leaf(Tensor::new(v.clone(), s, device).unwrap()))
        .collect();
    let y = f(&vars).unwrap();
    let wt = tape.leaf(Tensor::new(w.to_vec(), &y.shape(), device).unwrap());
    let n: usize = y.shape().iter().product();
    let loss = y.mul(&wt).unwrap().reshape(&[n]).unwrap().sum(0).unwrap();
    let g = tape.backward(loss).unwrap();
    let l = block_on(loss.value().to_vec()).unwrap()[0];
    let grads = vars
        .iter()
        .map(|v| {
            g.get(*v)
                .map(|t| block_on(t.to_vec()).unwrap())
                .unwrap_or_else(|| vec![0.0; v.shape().iter().product()])
        })
        .collect();
    (l, grads)
}

fn check(name: &str, f: &F, inputs: Vec<(Vec<f32>, Vec<usize>)>) {
    let out_shape = {
        let tape = Tape::new();
        let vars: Vec<Var> = inputs
            .iter()
            .map(|(v, s)| tape.leaf(Tensor::from_vec(v.clone(), s).unwrap()))
            .collect();
        f(&vars).unwrap().shape()
    };
    let w = random(&out_shape, -1.0, 1.0, 99);
    let (_, analytic) = run(f, &inputs, &w, &Device::Cpu);
    let eps = 1e-2f32;
    for (i, (v, s)) in inputs.iter().enumerate() {
        for j in 0..v.len() {
            let mut plus = inputs.clone();
            plus[i].0[j] = v[j] + eps;
            let mut minus = inputs.clone();
            minus[i].0[j] = v[j] - eps;
            let num = (run(f, &plus, &w, &Device::Cpu).0 - run(f, &minus, &w, &Device::Cpu).0)
                / (2.0 * eps);
            let ana = analytic[i][j];
            assert!(
                (num - ana).abs() <= 2e-2 * (1.0 + ana.abs()),
                "{name}: d/dx{i}[{j}] (shape {s:?}): numeric {num} vs analytic {ana}"
            );
        }
    }
    // The same backward pass on the GPU.
    let (_, on_gpu) = run(f, &inputs, &w, &gpu());
    for (i, (c, g)) in analytic.iter().zip(&on_gpu).enumerate() {
        for (j, (a, b)) in c.iter().zip(g).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + a.abs()),
                "{name}: GPU gradient x{i}[{j}]: cpu {a} vs gpu {b}"
            );
        }
    }
}

#[test]
fn unary_ops() {
    for (k, op) in UNARY_OPS.iter().enumerate() {
        let (lo, hi) = match op {
            UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::PowScalar => (0.3, 3.0),
            _ => (-2.5, 2.5),
        };
        let mut x = random(&[3, 5], lo, hi, k as u64);
        if matches!(op, UnaryOp::Relu | UnaryOp::LeakyRelu | UnaryOp::Abs) {
            // Keep away from the kink, where finite differences are meaningless.
            x.iter_mut().for_each(|v| {
                if v.abs() < 0.05 {
                    *v += 0.1
                }
            });
        }
        let op = *op;
        let p = if op == UnaryOp::PowScalar { 1.7 } else { 0.2 };
        check(
            &format!("{op:?}"),
            &move |v| v[0].unary(op, p),
            vec![(x, vec![3, 5])],
        );
    }
}

#[test]
fn binary_ops_with_broadcasting() {
    for (k, op) in BINARY_OPS.iter().enumerate() {
        if matches!(op, BinaryOp::Gt | BinaryOp::Eq) {
            continue; // piecewise constant: no gradient to check
        }
        let (lo, hi) = if matches!(op, BinaryOp::Pow | BinaryOp::Div) {
            (0.5, 2.0)
        } else {
            (-2.0, 2.0)
        };
        let a = random(&[4, 3], lo, hi, 10 + k as u64);
        let b = random(&[3], lo, hi, 20 + k as u64);
        let op = *op;
        check(
            &format!("{op:?}"),
            &move |v| v[0].binary(op, &v[1]),
            vec![(a, vec![4, 3]), (b, vec![3])],
        );
    }
}

#[test]
fn reductions() {
    for op in [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::LogSumExp,
    ] {
        for axis in 0..2 {
            let x = random(&[4, 5], -2.0, 2.0, 30 + axis as u64);
            check(
                &format!("{op:?} axis {axis}"),
                &move |v| v[0].reduce(op, axis),
                vec![(x, vec![4, 5])],
            );
        }
    }
}

#[test]
fn matmul_and_views() {
    let a = random(&[2, 3, 4], -1.0, 1.0, 40);
    let b = random(&[4, 5], -1.0, 1.0, 41);
    check(
        "batched matmul, broadcast B",
        &|v| v[0].matmul(&v[1]),
        vec![(a.clone(), vec![2, 3, 4]), (b, vec![4, 5])],
    );
    check(
        "transpose then matmul",
        &|v| v[0].transpose(1, 2)?.matmul(&v[0]),
        vec![(a.clone(), vec![2, 3, 4])],
    );
    check(
        "reshape",
        &|v| v[0].reshape(&[6, 4])?.unary(UnaryOp::Tanh, 0.0),
        vec![(a, vec![2, 3, 4])],
    );
    let x = random(&[3, 6], -3.0, 3.0, 42);
    check(
        "log_softmax",
        &|v| v[0].log_softmax(1),
        vec![(x.clone(), vec![3, 6])],
    );
    check("softmax", &|v| v[0].softmax(1), vec![(x, vec![3, 6])]);
}

#[test]
fn where_narrow_concat_and_gather() {
    let c = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap();
    let (a, b) = (random(&[2, 3], -1.0, 1.0, 50), random(&[3], -1.0, 1.0, 51));
    check(
        "where",
        &move |v| Var::where_(&c.to_device(&v[0].value().device()), &v[0], &v[1]),
        vec![(a, vec![2, 3]), (b, vec![3])],
    );
    let x = random(&[3, 5], -1.0, 1.0, 52);
    check(
        "narrow",
        &|v| v[0].narrow(1, 1, 3)?.unary(UnaryOp::Tanh, 0.0),
        vec![(x.clone(), vec![3, 5])],
    );
    let y = random(&[3, 2], -1.0, 1.0, 53);
    check(
        "concat",
        &|v| Var::concat(&[v[0], v[1], v[0]], 1),
        vec![(x, vec![3, 5]), (y, vec![3, 2])],
    );
    let table = random(&[4, 3], -1.0, 1.0, 54);
    let idx = Tensor::from_vec(vec![2.0, 0.0, 2.0, 3.0, 2.0], &[5]).unwrap();
    check(
        "gather_rows (repeated rows accumulate)",
        &move |v| v[0].gather_rows(&idx.to_device(&v[0].value().device())),
        vec![(table, vec![4, 3])],
    );
}

#[test]
fn convolutions_normalisation_and_attention() {
    use genlab::nn::layers::{
        upsample, Conv2d, ConvSpec, ConvTranspose2d, GroupNorm, LayerNorm, SelfAttention,
    };
    use genlab::nn::Params;
    // Layers are built once on the CPU; their parameters become the checked inputs.
    let mut rng = Rng::new(5);
    let mut p = Params::default();
    let conv = Conv2d::new(
        &mut p,
        "c",
        ConvSpec {
            cin: 2,
            cout: 3,
            k: 3,
            stride: 2,
            pad: 1,
        },
        &mut rng,
        &Device::Cpu,
    );
    let x = random(&[2, 2, 5, 5], -1.0, 1.0, 60);
    let mut inputs = vec![(x, vec![2, 2, 5, 5])];
    inputs.extend(
        p.values
            .iter()
            .map(|v| (v.cpu_values().unwrap(), v.shape().to_vec())),
    );
    check(
        "conv2d (stride 2, padding 1)",
        &move |v| conv.forward(&v[1..], &v[0]),
        inputs,
    );

    let mut p = Params::default();
    let convt = ConvTranspose2d::new(
        &mut p,
        "t",
        ConvSpec {
            cin: 2,
            cout: 2,
            k: 4,
            stride: 2,
            pad: 1,
        },
        &mut rng,
        &Device::Cpu,
    );
    let x = random(&[1, 2, 3, 3], -1.0, 1.0, 61);
    let mut inputs = vec![(x, vec![1, 2, 3, 3])];
    inputs.extend(
        p.values
            .iter()
            .map(|v| (v.cpu_values().unwrap(), v.shape().to_vec())),
    );
    check(
        "conv transpose 2d",
        &move |v| convt.forward(&v[1..], &v[0]),
        inputs,
    );

    check(
        "upsample ×2",
        &|v| upsample(&v[0], 2),
        vec![(random(&[1, 2, 2, 3], -1.0, 1.0, 62), vec![1, 2, 2, 3])],
    );

    let mut p = Params::default();
    let ln = LayerNorm::new(&mut p, "ln", 5, &Device::Cpu);
    let mut inputs = vec![(random(&[3, 5], -2.0, 2.0, 63), vec![3, 5])];
    inputs.extend(
        p.values
            .iter()
            .map(|v| (v.cpu_values().unwrap(), v.shape().to_vec())),
    );
    check("layer norm", &move |v| ln.forward(&v[1..], &v[0]), inputs);

    let mut p = Params::default();
    let gn = GroupNorm::new(&mut p, "gn", 2, 4, &Device::Cpu);
    let mut inputs = vec![(random(&[2, 4, 2, 2], -2.0, 2.0, 64), vec![2, 4, 2, 2])];
    inputs.extend(
        p.values
            .iter()
            .map(|v| (v.cpu_values().unwrap(), v.shape().to_vec())),
    );
    check("group norm", &move |v| gn.forward(&v[1..], &v[0]), inputs);

    let mut p = Params::default();
    let att = SelfAttention::new(&mut p, "att", 4, 2, true, &mut rng, &Device::Cpu);
    let mut inputs = vec![(random(&[1, 3, 4], -1.0, 1.0, 65), vec![1, 3, 4])];
    inputs.extend(
        p.values
            .iter()
            .map(|v| (v.cpu_values().unwrap(), v.shape().to_vec())),
    );
    check(
        "causal self-attention",
        &move |v| Ok(att.forward(&v[1..], &v[0])?.0),
        inputs,
    );
}
