//! The shipped weights in `www/weights/` (written by `cargo xtask train`) and the first
//! steps of the recipes behind them, for the tests that check them. Included with
//! `mod shipped;`.
#![allow(dead_code)]

use genlab::models::zoo::{self, Net, Recipe};
use genlab::nn::Params;
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device};
use std::path::PathBuf;

/// The GPU device (lavapipe in CI).
pub fn gpu() -> Device {
    Device::Gpu(block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)"))
}

/// The first `steps` steps of recipe `name` with batches of `batch`, on `dev`: each step's
/// loss followed by its named parts (a GAN's networks), as the trainer reports them.
pub fn first_losses(name: &str, batch: usize, dev: &Device, steps: usize) -> Vec<Vec<f32>> {
    let r = Recipe {
        batch,
        ..*zoo::recipe(name).unwrap()
    };
    let (net, mut t) = block_on(r.trainer(dev)).unwrap();
    let loss = genlab::train::group_loss_fn(move |g, tape, p, step, d| {
        r.group_loss(&net, 0.0, g, tape, p, step, d)
    });
    let chunk = block_on(t.run_groups(steps, &loss)).unwrap();
    assert!(chunk.fell_back.is_none(), "{name} fell back to the CPU");
    chunk
        .metrics
        .iter()
        .map(|m| {
            std::iter::once(m.loss)
                .chain(m.parts.iter().map(|p| p.1))
                .collect()
        })
        .collect()
}

/// The checkout's weights, found at run time: `cargo test` sets `CARGO_MANIFEST_DIR` for
/// the test process. A compile-time `env!` would point at whichever checkout built this
/// test binary first when checkouts share a target directory and it is reused.
pub fn weights_dir() -> PathBuf {
    let root =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    root.join("www/weights")
}

/// The shipped network `name`, its weights on `dev`.
pub fn shipped(name: &str, dev: &Device) -> (Net, Params) {
    let r = zoo::recipe(name).unwrap();
    let (net, mut p) = r.build(dev);
    let bytes = std::fs::read(weights_dir().join(format!("{name}.safetensors")))
        .unwrap_or_else(|e| panic!("{name}.safetensors: {e} (run `cargo xtask train {name}`)"));
    r.load_weights(&mut p, &bytes, dev).unwrap();
    (net, p)
}

/// The first `steps` steps of recipe `name` on the CPU and on the GPU give the same
/// losses (and parts) within `tol`, relative.
pub fn assert_trains_alike(name: &str, batch: usize, steps: usize, tol: f32) {
    let (cpu, gpu) = (
        first_losses(name, batch, &Device::Cpu, steps),
        first_losses(name, batch, &gpu(), steps),
    );
    assert_eq!(cpu.len(), steps, "{name}");
    for (a, b) in cpu.iter().flatten().zip(gpu.iter().flatten()) {
        assert!(
            a.is_finite() && (a - b).abs() < tol * (1.0 + a.abs()),
            "{name}: {cpu:?} vs {gpu:?}"
        );
    }
}
