//! The shipped weights in `www/weights/` (written by `cargo xtask train`), for the tests
//! that check them. Included with `mod shipped;`.
#![allow(dead_code)]

use genlab::models::zoo::{self, Net};
use genlab::nn::{weights, Params};
use genlab::tensor::Device;
use std::path::PathBuf;

pub fn weights_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/weights")
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
