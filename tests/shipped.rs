//! The shipped weights in `www/weights/` (written by `cargo xtask train`), for the tests
//! that check them. Included with `mod shipped;`.
#![allow(dead_code)]

use genlab::models::zoo::{self, Net};
use genlab::nn::{weights, Params};
use genlab::tensor::Device;
use std::path::PathBuf;

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
    weights::load_into(&mut p, &bytes, dev).unwrap();
    (net, p)
}
