//! The GPU backend on wgpu: WebGPU in the browser, Vulkan/Metal/DX12 natively.
//!
//! Set-up and readback are the only asynchronous steps (a blocking poll does nothing in a
//! browser); launching a kernel only records work. Dispatches collect in one command
//! encoder that is submitted every [`BATCH`] dispatches and before any readback: one
//! submit per kernel cost ~0.3 ms each on a real GPU, which made small models CPU-bound. Shader modules and pipelines
//! are built once per kernel variant and cached by key. Shapes and strides reach the
//! kernels in one small `u32` metadata buffer.

// wgpu's handles are Send + Sync natively but not on wasm, where there is one thread.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

use super::op::{AdamStep, BinaryOp, ReduceOp, UnaryOp};
use super::shape::Layout;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const COMMON: &str = include_str!("wgsl/common.wgsl");
const UNARY: &str = include_str!("wgsl/unary.wgsl");
const BINARY: &str = include_str!("wgsl/binary.wgsl");
const REDUCE: &str = include_str!("wgsl/reduce.wgsl");
const MATMUL: &str = include_str!("wgsl/matmul.wgsl");
const MATMUL_THIN: &str = include_str!("wgsl/matmul_thin.wgsl");
const WHERE: &str = include_str!("wgsl/where.wgsl");
const COPY: &str = include_str!("wgsl/copy.wgsl");
const GATHER: &str = include_str!("wgsl/gather.wgsl");
const RANDOM: &str = include_str!("wgsl/random.wgsl");
const UNFOLD: &str = include_str!("wgsl/unfold.wgsl");
const NORM: &str = include_str!("wgsl/norm.wgsl");
const ADAM: &str = include_str!("wgsl/adam.wgsl");

const WORKGROUP: u32 = 256;
/// Dispatches recorded before the encoder is submitted.
const BATCH: u32 = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct GpuError(pub String);

impl std::fmt::Display for GpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GpuError {}

/// A device and queue, with the pipeline cache.
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    pipelines: Mutex<HashMap<String, wgpu::ComputePipeline>>,
    /// "llvmpipe (Vulkan)", "Apple M2 (Metal)", …
    pub adapter: String,
    /// The adapter runs on the CPU (lavapipe, llvmpipe, SwiftShader): for correctness,
    /// not speed.
    pub software: bool,
    pub limits: wgpu::Limits,
    /// Set when the device is lost or reports an error: later work is refused with it.
    fault: Arc<Mutex<Option<String>>>,
    /// Recorded dispatches not yet submitted, and how many.
    pending: Mutex<Option<(wgpu::CommandEncoder, u32)>>,
    /// Freed kernel-output buffers by size class, and their total size.
    free: Mutex<(HashMap<u64, Vec<wgpu::Buffer>>, u64)>,
    /// With `GENLAB_GPU_PROFILE` set (native only), every dispatch is waited for and its
    /// time added up by kernel: seconds and count per key.
    profile: Option<Mutex<HashMap<String, (f64, u64)>>>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gpu({})", self.adapter)
    }
}

/// A buffer of f32 on the device.
#[derive(Clone, Debug)]
pub struct GpuBuffer {
    pub(crate) buf: Arc<Pooled>,
    pub(crate) gpu: Arc<Gpu>,
}

mod device;
mod encoder;
mod kernels;
mod pipelines;
mod pool;
mod profile;
mod readback;

pub use pool::Pooled;
