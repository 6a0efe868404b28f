//! Models, each with its fit, likelihood and sampler. Pure Rust on `data`; no UI.
pub mod density2d;
pub mod logistic;
pub mod pixel;
pub mod tabular;
