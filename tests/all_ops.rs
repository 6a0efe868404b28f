//! Every kernel family, forward and backward, GPU against CPU: shared by the native
//! parity test (lavapipe) and the browser test (WebGPU on SwiftShader), so both run the
//! same cases. Async, because reading GPU values back is. Also the wasm CPU path's packed
//! matmul against plain loops (natively with its portable microkernel, in the browser
//! with SIMD128).
#![allow(dead_code)]

use genlab::autodiff::Tape;
use genlab::data::Rng;
use genlab::tensor::op::{BINARY_OPS, REDUCE_OPS, UNARY_OPS};
use genlab::tensor::{BinaryOp, Device, Tensor, UnaryOp};

pub fn random(shape: &[usize], lo: f32, hi: f32, seed: u64) -> Tensor {
    let mut r = Rng::new(seed);
    let n = shape.iter().product();
    Tensor::from_vec(
        (0..n)
            .map(|_| r.range(lo as f64, hi as f64) as f32)
            .collect(),
        shape,
    )
    .unwrap()
}

async fn close(what: &str, cpu: &Tensor, gpu: &Tensor, tol: f32) {
    assert_eq!(cpu.shape(), gpu.shape(), "{what}: shapes");
    let c = cpu.to_vec().await.unwrap();
    let g = gpu.to_vec().await.unwrap();
    for (i, (a, b)) in c.iter().zip(&g).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + a.abs()) || a == b,
            "{what}[{i}]: cpu {a} vs gpu {b}"
        );
    }
}

/// Runs every case on `gpu` against the CPU; panics with the first mismatch.
pub async fn every_op_matches(gpu: &Device) {
    for (k, op) in UNARY_OPS.iter().enumerate() {
        let (lo, hi) = if matches!(op, UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::PowScalar) {
            (0.1, 3.0)
        } else {
            (-4.0, 4.0)
        };
        let p = if *op == UnaryOp::PowScalar { 1.5 } else { 0.1 };
        let x = random(&[9, 31], lo, hi, k as u64).transpose(0, 1).unwrap(); // odd sizes, a view
        let xg = x.contiguous().to_device(gpu).transpose(0, 0).unwrap();
        close(
            &format!("{op:?}"),
            &x.unary(*op, p),
            &xg.unary(*op, p),
            1e-4,
        )
        .await;
        // Backward: d/dx Σ f(x)·w.
        let w = random(&[31, 9], -1.0, 1.0, 100 + k as u64);
        let mut grads = Vec::new();
        for dev in [Device::Cpu, gpu.clone()] {
            let tape = Tape::new();
            let xv = tape.leaf(x.contiguous().to_device(&dev));
            let wv = tape.leaf(w.to_device(&dev));
            let l = xv
                .unary(*op, p)
                .unwrap()
                .mul(&wv)
                .unwrap()
                .sum(0)
                .unwrap()
                .sum(1)
                .unwrap();
            grads.push(tape.backward(l).unwrap().get(xv).unwrap().clone());
        }
        close(&format!("{op:?} backward"), &grads[0], &grads[1], 1e-4).await;
    }
    for (k, op) in BINARY_OPS.iter().enumerate() {
        let (lo, hi) = if *op == BinaryOp::Pow {
            (0.2, 2.0)
        } else {
            (-2.0, 2.0)
        };
        let a = random(&[3, 1, 70], lo, hi, 200 + k as u64);
        let b = random(&[5, 1], lo, hi, 300 + k as u64);
        let (ag, bg) = (a.to_device(gpu), b.to_device(gpu));
        close(
            &format!("{op:?}"),
            &a.binary(*op, &b).unwrap(),
            &ag.binary(*op, &bg).unwrap(),
            1e-5,
        )
        .await;
        if matches!(op, BinaryOp::Gt | BinaryOp::Eq) {
            continue;
        }
        let mut grads = Vec::new();
        for dev in [Device::Cpu, gpu.clone()] {
            let tape = Tape::new();
            let (av, bv) = (tape.leaf(a.to_device(&dev)), tape.leaf(b.to_device(&dev)));
            let l = av
                .binary(*op, &bv)
                .unwrap()
                .reshape(&[3 * 5 * 70])
                .unwrap()
                .sum(0)
                .unwrap();
            let g = tape.backward(l).unwrap();
            grads.push((g.get(av).unwrap().clone(), g.get(bv).unwrap().clone()));
        }
        close(
            &format!("{op:?} backward a"),
            &grads[0].0,
            &grads[1].0,
            1e-4,
        )
        .await;
        close(
            &format!("{op:?} backward b"),
            &grads[0].1,
            &grads[1].1,
            1e-4,
        )
        .await;
    }
    let x = random(&[4, 3, 33], -3.0, 3.0, 400);
    let xg = x.to_device(gpu);
    for op in REDUCE_OPS {
        for axis in 0..3 {
            close(
                &format!("{op:?} axis {axis}"),
                &x.reduce(op, axis).unwrap(),
                &xg.reduce(op, axis).unwrap(),
                1e-5,
            )
            .await;
        }
    }
    // The fused row standardisation (layer and group norm): rows shorter and longer than
    // a workgroup, a row of one, and a transposed view; then its gradient.
    for (k, shape) in [[6usize, 7], [5, 300], [3, 1], [2, 4100]]
        .iter()
        .enumerate()
    {
        let r = random(shape, -3.0, 5.0, 410 + k as u64);
        close(
            &format!("standardise {shape:?}"),
            &r.standardise(1e-5).unwrap(),
            &r.to_device(gpu).standardise(1e-5).unwrap(),
            1e-4,
        )
        .await;
    }
    let v = random(&[40, 9], -2.0, 2.0, 420);
    close(
        "standardise of a view",
        &v.transpose(0, 1).unwrap().standardise(1e-5).unwrap(),
        &v.to_device(gpu)
            .transpose(0, 1)
            .unwrap()
            .standardise(1e-5)
            .unwrap(),
        1e-4,
    )
    .await;
    let wt = random(&[9, 40], -1.0, 1.0, 421);
    let mut grads = Vec::new();
    for dev in [Device::Cpu, gpu.clone()] {
        let tape = Tape::new();
        let xv = tape.leaf(v.transpose(0, 1).unwrap().contiguous().to_device(&dev));
        let wv = tape.leaf(wt.to_device(&dev));
        let l = xv
            .standardise(1e-5)
            .unwrap()
            .mul(&wv)
            .unwrap()
            .reshape(&[360])
            .unwrap()
            .sum(0)
            .unwrap();
        grads.push(tape.backward(l).unwrap().get(xv).unwrap().clone());
    }
    close("standardise backward", &grads[0], &grads[1], 1e-4).await;
    let a = random(&[2, 37, 19], -1.0, 1.0, 401);
    let b = random(&[19, 45], -1.0, 1.0, 402);
    close(
        "batched matmul",
        &a.matmul(&b).unwrap(),
        &a.to_device(gpu).matmul(&b.to_device(gpu)).unwrap(),
        1e-4,
    )
    .await;
    let bt = b.transpose(0, 1).unwrap();
    let (at, atg) = (
        a.transpose(1, 2).unwrap(),
        a.to_device(gpu).transpose(1, 2).unwrap(),
    );
    close(
        "matmul of transposed views",
        &bt.matmul(&at).unwrap(),
        &b.to_device(gpu)
            .transpose(0, 1)
            .unwrap()
            .matmul(&atg)
            .unwrap(),
        1e-4,
    )
    .await;
    close(
        "softmax",
        &x.softmax(2).unwrap(),
        &xg.softmax(2).unwrap(),
        1e-5,
    )
    .await;
    let c = random(&[4, 1, 33], -1.0, 1.0, 403).unary(UnaryOp::Relu, 0.0);
    close(
        "where",
        &Tensor::where_(&c, &x, &x.unary(UnaryOp::Neg, 0.0)).unwrap(),
        &Tensor::where_(&c.to_device(gpu), &xg, &xg.unary(UnaryOp::Neg, 0.0)).unwrap(),
        0.0,
    )
    .await;
    close(
        "concat",
        &Tensor::concat(&[x.clone(), x.clone()], 1).unwrap(),
        &Tensor::concat(&[xg.clone(), xg.clone()], 1).unwrap(),
        0.0,
    )
    .await;
    let idx = Tensor::from_vec(vec![2.0, 0.0, 2.0], &[3]).unwrap();
    let t = random(&[3, 8], -1.0, 1.0, 404);
    close(
        "gather_rows",
        &t.gather_rows(&idx).unwrap(),
        &t.to_device(gpu).gather_rows(&idx.to_device(gpu)).unwrap(),
        0.0,
    )
    .await;
    close(
        "random normal",
        &Tensor::random(&[1000], 9, true, &Device::Cpu),
        &Tensor::random(&[1000], 9, true, gpu),
        1e-3,
    )
    .await; // GPUs may use faster, less exact log and cos
    let probs = random(&[40, 50], 0.0, 1.0, 406);
    close(
        "bernoulli",
        &probs.bernoulli(11).unwrap(),
        &probs.to_device(gpu).bernoulli(11).unwrap(),
        0.0,
    )
    .await;
    let im = random(&[2, 3, 7, 6], -1.0, 1.0, 405);
    let cols = im.unfold(3, 3, 2, 1).unwrap();
    close(
        "unfold",
        &cols,
        &im.to_device(gpu).unfold(3, 3, 2, 1).unwrap(),
        0.0,
    )
    .await;
    close(
        "fold",
        &cols.fold(&[2, 3, 7, 6], 3, 3, 2, 1).unwrap(),
        &cols.to_device(gpu).fold(&[2, 3, 7, 6], 3, 3, 2, 1).unwrap(),
        1e-6,
    )
    .await;
}

/// `tensor::simd::matmul` against plain loops, on shapes that leave partial tiles, K blocks
/// and column blocks (NC = 256), with B contiguous and transposed.
pub fn simd_matmul_matches_plain_loops() {
    let mut r = Rng::new(3);
    for (m, k, n) in [
        (1, 1, 1),
        (5, 300, 3),
        (65, 17, 33),
        (4, 257, 8),
        (9, 513, 10),
        (16, 144, 300),
        (3, 40, 520),
    ] {
        let a: Vec<f32> = (0..m * k).map(|_| r.range(-1.0, 1.0) as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|_| r.range(-1.0, 1.0) as f32).collect();
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        for transposed in [false, true] {
            let mut c = vec![f32::NAN; m * n];
            if transposed {
                genlab::tensor::simd::matmul(&a, k, 1, &bt, 1, k, &mut c, m, k, n);
            } else {
                genlab::tensor::simd::matmul(&a, k, 1, &b, n, 1, &mut c, m, k, n);
            }
            for i in 0..m {
                for j in 0..n {
                    let want: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                    let got = c[i * n + j];
                    assert!(
                        (got - want).abs() < 1e-4 * k as f32,
                        "{m}×{k}×{n} B transposed {transposed} [{i},{j}]: {got} vs {want}"
                    );
                }
            }
        }
    }
}
