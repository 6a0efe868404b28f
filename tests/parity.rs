//! Kernel parity: every GPU kernel against the CPU reference, natively (on Mesa's lavapipe
//! in CI: `apt-get install mesa-vulkan-drivers`). Random inputs, sizes that are not
//! multiples of the workgroup, broadcasting, and non-contiguous views; floats compared
//! with tolerances.
#![cfg(not(target_arch = "wasm32"))]

use genlab::tensor::gpu::Gpu;
use genlab::tensor::op::{BINARY_OPS, REDUCE_OPS, UNARY_OPS};
use genlab::tensor::{block_on, AdamStep, BinaryOp, Device, Tensor, UnaryOp};
use std::sync::{Arc, OnceLock};

mod all_ops;

fn gpu() -> Device {
    static GPU: OnceLock<Arc<Gpu>> = OnceLock::new();
    let g = GPU.get_or_init(|| {
        block_on(Gpu::new()).unwrap_or_else(|e| {
            panic!("parity tests need a GPU adapter (in CI: Mesa's lavapipe, package mesa-vulkan-drivers): {e}")
        })
    });
    Device::Gpu(g.clone())
}

use all_ops::random;

fn assert_close(what: &str, cpu: &Tensor, gpu: &Tensor, rtol: f32, atol: f32) {
    assert_eq!(cpu.shape(), gpu.shape(), "{what}: shapes");
    let c = block_on(cpu.to_vec()).unwrap();
    let g = block_on(gpu.to_vec()).unwrap();
    for (i, (a, b)) in c.iter().zip(&g).enumerate() {
        let ok = (a - b).abs() <= atol + rtol * a.abs() || (a.is_nan() && b.is_nan()) || a == b;
        assert!(ok, "{what}: element {i}: cpu {a} vs gpu {b}");
    }
}

#[test]
fn unary_ops_match_on_odd_sizes_and_views() {
    let dev = gpu();
    for (k, op) in UNARY_OPS.iter().enumerate() {
        let (lo, hi) = match op {
            UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::PowScalar => (0.05, 4.0),
            _ => (-6.0, 6.0),
        };
        let p = match op {
            UnaryOp::LeakyRelu => 0.1,
            UnaryOp::PowScalar => 2.5,
            _ => 0.7,
        };
        let x = random(&[7, 37], lo, hi, k as u64);
        let xg = x.to_device(&dev);
        assert_close(
            &format!("{op:?}"),
            &x.unary(*op, p),
            &xg.unary(*op, p),
            2e-5,
            2e-5,
        );
        // A transposed (non-contiguous) view.
        let xt = x.transpose(0, 1).unwrap();
        let xgt = xg.transpose(0, 1).unwrap();
        assert_close(
            &format!("{op:?} on a transposed view"),
            &xt.unary(*op, p),
            &xgt.unary(*op, p),
            2e-5,
            2e-5,
        );
    }
}

#[test]
fn binary_ops_match_with_broadcasting() {
    let dev = gpu();
    for (k, op) in BINARY_OPS.iter().enumerate() {
        let (lo, hi) = if *op == BinaryOp::Pow {
            (0.1, 3.0)
        } else {
            (-3.0, 3.0)
        };
        let a = random(&[5, 1, 33], lo, hi, 100 + k as u64);
        let mut b = random(&[4, 1], lo, hi, 200 + k as u64);
        if *op == BinaryOp::Eq {
            b = a
                .narrow(2, 0, 1)
                .unwrap()
                .narrow(0, 0, 4)
                .unwrap()
                .reshape(&[4, 1])
                .unwrap();
        }
        let (ag, bg) = (a.to_device(&dev), b.to_device(&dev));
        assert_close(
            &format!("{op:?}"),
            &a.binary(*op, &b).unwrap(),
            &ag.binary(*op, &bg).unwrap(),
            1e-5,
            1e-5,
        );
        // Non-contiguous on both sides.
        let at = a.transpose(0, 2).unwrap(); // [33, 1, 5]
        let bt = random(&[5, 3], lo, hi, 300 + k as u64)
            .transpose(0, 1)
            .unwrap(); // [3, 5] view
        let (atg, btg) = (
            ag.transpose(0, 2).unwrap(),
            random(&[5, 3], lo, hi, 300 + k as u64)
                .to_device(&dev)
                .transpose(0, 1)
                .unwrap(),
        );
        assert_close(
            &format!("{op:?} on views"),
            &at.binary(*op, &bt).unwrap(),
            &atg.binary(*op, &btg).unwrap(),
            1e-5,
            1e-5,
        );
    }
}

#[test]
fn reductions_match_along_every_axis() {
    let dev = gpu();
    let x = random(&[3, 5, 70], -4.0, 4.0, 7);
    let xg = x.to_device(&dev);
    for op in REDUCE_OPS {
        for axis in 0..3 {
            assert_close(
                &format!("{op:?} axis {axis}"),
                &x.reduce(op, axis).unwrap(),
                &xg.reduce(op, axis).unwrap(),
                1e-5,
                1e-4,
            );
        }
        let (xt, xgt) = (
            x.permute(&[2, 0, 1]).unwrap(),
            xg.permute(&[2, 0, 1]).unwrap(),
        );
        assert_close(
            &format!("{op:?} on a permuted view"),
            &xt.reduce(op, 2).unwrap(),
            &xgt.reduce(op, 2).unwrap(),
            1e-5,
            1e-4,
        );
    }
    // Few outputs over a long axis take the workgroup-per-output kernel (contiguous and
    // strided axes, lengths not a multiple of 256).
    let long = random(&[3, 5001], -4.0, 4.0, 8);
    let lg = long.to_device(&dev);
    for op in REDUCE_OPS {
        for (what, c, g) in [
            ("rows", long.clone(), lg.clone()),
            (
                "columns",
                long.transpose(0, 1).unwrap(),
                lg.transpose(0, 1).unwrap(),
            ),
        ] {
            let axis = if what == "rows" { 1 } else { 0 };
            assert_close(
                &format!("{op:?} over a long axis ({what})"),
                &c.reduce(op, axis).unwrap(),
                &g.reduce(op, axis).unwrap(),
                1e-4,
                1e-3,
            );
        }
    }
}

#[test]
fn matmul_matches_on_awkward_shapes() {
    let dev = gpu();
    for (i, &(m, k, n)) in [
        // Thin C (under a quarter of its 64×64 tiles): one invocation per element.
        (1, 1, 1),
        (17, 33, 65),
        (3, 300, 5),
        (256, 64, 2),
        // Tiled through workgroup memory.
        (64, 64, 64),
        (130, 7, 70),
        // Small C, long K: split into K slices summed afterwards.
        (5, 3001, 7),
        (70, 4100, 130),
    ]
    .iter()
    .enumerate()
    {
        let a = random(&[m, k], -1.0, 1.0, 10 + i as u64);
        let b = random(&[k, n], -1.0, 1.0, 20 + i as u64);
        let (ag, bg) = (a.to_device(&dev), b.to_device(&dev));
        let tol = 1e-5 * k as f32;
        assert_close(
            &format!("matmul {m}×{k}×{n}"),
            &a.matmul(&b).unwrap(),
            &ag.matmul(&bg).unwrap(),
            1e-4,
            tol,
        );
        // Transposed operands, read in place.
        let at = random(&[k, m], -1.0, 1.0, 30 + i as u64);
        let atg = at.to_device(&dev);
        assert_close(
            &format!("matmul Aᵀ {m}×{k}×{n}"),
            &at.transpose(0, 1).unwrap().matmul(&b).unwrap(),
            &atg.transpose(0, 1).unwrap().matmul(&bg).unwrap(),
            1e-4,
            tol,
        );
    }
    // Batched, with B broadcast across the batch (a batch stride of 0): a thin C, then
    // one that fills enough of its tiles for the tiled kernel.
    let a = random(&[3, 2, 19, 23], -1.0, 1.0, 40);
    let b = random(&[23, 11], -1.0, 1.0, 41);
    assert_close(
        "batched matmul",
        &a.matmul(&b).unwrap(),
        &a.to_device(&dev).matmul(&b.to_device(&dev)).unwrap(),
        1e-4,
        1e-3,
    );
    let a = random(&[4, 70, 130], -1.0, 1.0, 44);
    let b = random(&[130, 70], -1.0, 1.0, 45);
    assert_close(
        "batched matmul, tiled",
        &a.matmul(&b).unwrap(),
        &a.to_device(&dev).matmul(&b.to_device(&dev)).unwrap(),
        1e-4,
        2e-3,
    );
    // Batched and split along K.
    let a = random(&[3, 9, 2000], -1.0, 1.0, 42);
    let b = random(&[3, 2000, 11], -1.0, 1.0, 43);
    assert_close(
        "batched matmul split along K",
        &a.matmul(&b).unwrap(),
        &a.to_device(&dev).matmul(&b.to_device(&dev)).unwrap(),
        1e-4,
        2e-2,
    );
}

#[test]
fn one_adam_step_matches_from_a_start_and_from_moments_with_and_without_decay() {
    let dev = gpu();
    // Odd sizes: a partial workgroup, and more than one.
    for (k, n) in [5usize, 700].into_iter().enumerate() {
        let seed = 60 + 10 * k as u64;
        let p = random(&[n], -2.0, 2.0, seed);
        let g = random(&[n], -1.0, 1.0, seed + 1);
        let m = random(&[n], -0.5, 0.5, seed + 2);
        let v = random(&[n], 0.0, 0.3, seed + 3);
        let on = |t: &Tensor| t.to_device(&dev);
        for (step, decay) in [(1, 0.0), (40, 0.0), (3, 0.01)] {
            let s = AdamStep::at(step, 1e-3, 0.5, 0.999, 1e-8, decay);
            for start in [true, false] {
                let (cm, gm) = ((&m, &v), (&on(&m), &on(&v)));
                let cpu = p.adam_step(&g, (!start).then_some(cm), &s).unwrap();
                let gpu = on(&p)
                    .adam_step(&on(&g), (!start).then_some(gm), &s)
                    .unwrap();
                let what = format!("adam n={n} t={step} decay={decay} start={start}");
                assert_close(&format!("{what}: p"), &cpu.0, &gpu.0, 1e-5, 1e-6);
                assert_close(&format!("{what}: m"), &cpu.1, &gpu.1, 1e-5, 1e-7);
                assert_close(&format!("{what}: v"), &cpu.2, &gpu.2, 1e-5, 1e-8);
            }
        }
    }
}

#[test]
fn softmax_and_errors() {
    let dev = gpu();
    let x = random(&[9, 300], -30.0, 30.0, 50);
    let xg = x.to_device(&dev);
    assert_close(
        "softmax",
        &x.softmax(1).unwrap(),
        &xg.softmax(1).unwrap(),
        1e-4,
        1e-6,
    );
    assert_close(
        "log_softmax",
        &x.log_softmax(1).unwrap(),
        &xg.log_softmax(1).unwrap(),
        1e-4,
        1e-4,
    );
    // Mixing devices is a clear error, not a panic.
    let e = x.add(&xg).unwrap_err().to_string();
    assert!(e.contains("device"), "{e}");
}

#[test]
fn large_launches_fold_into_a_two_dimensional_grid() {
    let dev = gpu();
    let Device::Gpu(g) = &dev else { unreachable!() };
    let n = 256 * g.limits.max_compute_workgroups_per_dimension as usize + 777;
    let x = Tensor::full(2.0, &[n], &dev);
    let y = block_on(x.unary(UnaryOp::MulScalar, 1.5).to_vec()).unwrap();
    assert!(y.iter().all(|&v| v == 3.0));
    assert_eq!(y.len(), n);
    // Each kernel variant was compiled once and reused.
    assert!(g.cached_pipelines() >= 1);
}

#[test]
fn where_concat_gather_and_random_match() {
    let dev = gpu();
    let c = random(&[5, 1], -1.0, 1.0, 60).unary(UnaryOp::Relu, 0.0); // zeros and positives
    let a = random(&[5, 7], -1.0, 1.0, 61);
    let b = random(&[7], -1.0, 1.0, 62);
    let (cg, ag, bg) = (c.to_device(&dev), a.to_device(&dev), b.to_device(&dev));
    assert_close(
        "where",
        &Tensor::where_(&c, &a, &b).unwrap(),
        &Tensor::where_(&cg, &ag, &bg).unwrap(),
        0.0,
        0.0,
    );

    let x = random(&[3, 4, 5], -1.0, 1.0, 63);
    let y = random(&[3, 2, 5], -1.0, 1.0, 64);
    let z = random(&[5, 3], -1.0, 1.0, 65)
        .transpose(0, 1)
        .unwrap()
        .reshape(&[3, 1, 5])
        .unwrap();
    let (xg, yg, zg) = (x.to_device(&dev), y.to_device(&dev), z.to_device(&dev));
    let parts_t = [x.transpose(0, 0).unwrap(), y.clone(), z.clone()];
    let cpu = Tensor::concat(&parts_t, 1).unwrap();
    let gpu_t = Tensor::concat(&[xg, yg, zg], 1).unwrap();
    assert_eq!(cpu.shape(), &[3, 7, 5]);
    assert_close("concat", &cpu, &gpu_t, 0.0, 0.0);
    // A non-contiguous part.
    let xt = x.transpose(0, 2).unwrap();
    assert_close(
        "concat of a view",
        &Tensor::concat(&[xt.clone(), xt.clone()], 0).unwrap(),
        &Tensor::concat(
            &[
                x.to_device(&dev).transpose(0, 2).unwrap(),
                x.to_device(&dev).transpose(0, 2).unwrap(),
            ],
            0,
        )
        .unwrap(),
        0.0,
        0.0,
    );

    let table = random(&[11, 6], -1.0, 1.0, 66);
    let idx = Tensor::from_vec(vec![3.0, 0.0, 10.0, 3.0, 7.0], &[5]).unwrap();
    let got = table
        .to_device(&dev)
        .gather_rows(&idx.to_device(&dev))
        .unwrap();
    assert_close(
        "gather_rows",
        &table.gather_rows(&idx).unwrap(),
        &got,
        0.0,
        0.0,
    );
    assert!(table
        .gather_rows(&Tensor::from_vec(vec![11.0], &[1]).unwrap())
        .is_err());

    for normal in [false, true] {
        let n = 100_003;
        let r_cpu = Tensor::random(&[n], 0xDEAD_BEEF_0042, normal, &Device::Cpu);
        let r_gpu = Tensor::random(&[n], 0xDEAD_BEEF_0042, normal, &dev);
        assert_close(
            if normal {
                "random normal"
            } else {
                "random uniform"
            },
            &r_cpu,
            &r_gpu,
            1e-5,
            1e-5,
        );
        let v = r_cpu.cpu_values().unwrap();
        let mean = v.iter().sum::<f32>() / n as f32;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n as f32;
        let (want_mean, want_var) = if normal {
            (0.0, 1.0)
        } else {
            (0.5, 1.0 / 12.0)
        };
        assert!(
            (mean - want_mean).abs() < 0.01 && (var - want_var).abs() < 0.02,
            "{normal}: mean {mean} var {var}"
        );
        if !normal {
            assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)));
        }
    }
}

#[test]
fn unfold_and_fold_match() {
    let dev = gpu();
    for (k, &(n, c, h, w, kk, stride, pad)) in [
        (2, 3, 7, 9, 3, 1, 1),
        (1, 2, 8, 8, 4, 2, 1),
        (3, 1, 5, 6, 2, 2, 0),
    ]
    .iter()
    .enumerate()
    {
        let x = random(&[n, c, h, w], -1.0, 1.0, 70 + k as u64);
        let cols = x.unfold(kk, kk, stride, pad).unwrap();
        let cols_g = x.to_device(&dev).unfold(kk, kk, stride, pad).unwrap();
        assert_close(&format!("unfold {k}"), &cols, &cols_g, 0.0, 0.0);
        let y = random(cols.shape(), -1.0, 1.0, 80 + k as u64);
        assert_close(
            &format!("fold {k}"),
            &y.fold(&[n, c, h, w], kk, kk, stride, pad).unwrap(),
            &y.to_device(&dev)
                .fold(&[n, c, h, w], kk, kk, stride, pad)
                .unwrap(),
            1e-6,
            1e-6,
        );
        // fold is the adjoint of unfold: <unfold(x), y> = <x, fold(y)>.
        let lhs: f32 = cols
            .cpu_values()
            .unwrap()
            .iter()
            .zip(y.cpu_values().unwrap())
            .map(|(a, b)| a * b)
            .sum();
        let rhs: f32 = x
            .cpu_values()
            .unwrap()
            .iter()
            .zip(
                y.fold(&[n, c, h, w], kk, kk, stride, pad)
                    .unwrap()
                    .cpu_values()
                    .unwrap(),
            )
            .map(|(a, b)| a * b)
            .sum();
        assert!((lhs - rhs).abs() < 1e-3, "adjoint {k}: {lhs} vs {rhs}");
    }
    assert!(random(&[1, 1, 2, 2], 0.0, 1.0, 1)
        .unfold(3, 3, 1, 0)
        .is_err());
}

/// The shared list of cases that the browser test also runs on WebGPU.
#[test]
fn every_op_forward_and_backward() {
    block_on(all_ops::every_op_matches(&gpu()));
}

/// The wasm CPU path's packing and blocking, with the portable microkernel.
#[test]
fn simd_matmul_matches_plain_loops() {
    all_ops::simd_matmul_matches_plain_loops();
}
