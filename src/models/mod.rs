//! Models, each with its fit, likelihood and sampler. Pure Rust on `data`; no UI. From
//! lesson 4 on, neural models are built on `nn` and trained by `train`.
pub mod autoencoder;
pub mod autoregressive;
pub mod charlm;
pub mod classifier;
pub mod dcgan;
pub mod density2d;
pub mod diffusion;
pub mod ebm2d;
pub mod flow1d;
pub mod flow2d;
pub mod gan2d;
pub mod generative;
pub mod judge;
pub mod langevin;
pub mod logistic;
pub mod manifest;
pub mod pca;
pub mod pixel;
pub mod pixelcnn;
pub mod plane;
pub mod rbm;
pub mod sampling;
pub mod tabular;
pub mod zoo;
