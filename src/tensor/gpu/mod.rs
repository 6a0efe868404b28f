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

use super::op::{BinaryOp, ReduceOp, UnaryOp};
use super::shape::Layout;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const COMMON: &str = include_str!("wgsl/common.wgsl");
const UNARY: &str = include_str!("wgsl/unary.wgsl");
const BINARY: &str = include_str!("wgsl/binary.wgsl");
const REDUCE: &str = include_str!("wgsl/reduce.wgsl");
const MATMUL: &str = include_str!("wgsl/matmul.wgsl");
const WHERE: &str = include_str!("wgsl/where.wgsl");
const COPY: &str = include_str!("wgsl/copy.wgsl");
const GATHER: &str = include_str!("wgsl/gather.wgsl");
const RANDOM: &str = include_str!("wgsl/random.wgsl");
const UNFOLD: &str = include_str!("wgsl/unfold.wgsl");
const NORM: &str = include_str!("wgsl/norm.wgsl");

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

/// A device buffer that goes back to its GPU's pool when the last tensor using it is
/// dropped (kernel outputs only), so a training step reuses last step's memory instead of
/// allocating ~2000 buffers: allocation dominated small models on a real GPU.
#[derive(Debug)]
pub struct Pooled {
    buf: wgpu::Buffer,
    /// The pool it returns to; `None` for buffers filled through the queue, which must stay
    /// fresh (a queued write lands before earlier recorded dispatches that may read it).
    home: Option<Arc<Gpu>>,
}

impl std::ops::Deref for Pooled {
    type Target = wgpu::Buffer;
    fn deref(&self) -> &wgpu::Buffer {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(gpu) = self.home.take() {
            gpu.give_back(self.buf.clone());
        }
    }
}

/// Bytes the pool keeps at most; beyond it freed buffers are released.
const POOL_BYTES: u64 = 512 << 20;

/// The size class of a request: powers of two up to 64 KiB, then eighths of a power of
/// two (at most 12.5 % spare).
fn size_class(bytes: u64) -> u64 {
    let b = bytes.max(256);
    let p = b.next_power_of_two();
    if b <= 64 << 10 {
        p
    } else {
        let step = p / 8;
        b.div_ceil(step) * step
    }
}

impl Gpu {
    /// Finds an adapter and opens a device. Errors say what was missing.
    pub async fn new() -> Result<Arc<Gpu>, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError(format!("no GPU adapter: {e}")))?;
        let info = adapter.get_info();
        let have = adapter.limits();
        // Ask for what this engine uses, within what the adapter offers.
        let mut want = wgpu::Limits::downlevel_defaults();
        want.max_storage_buffers_per_shader_stage = 8; // WebGPU guarantees 8
        want.max_compute_workgroup_storage_size = 16384;
        want.max_compute_invocations_per_workgroup = 256;
        want.max_compute_workgroup_size_x = 256;
        want.max_compute_workgroup_size_y = 256;
        want.max_storage_buffer_binding_size = have.max_storage_buffer_binding_size;
        want.max_buffer_size = have.max_buffer_size;
        if let Some(why) = missing_limits(&have, &want) {
            return Err(GpuError(format!(
                "the GPU adapter {} is too limited: {why}",
                info.name
            )));
        }
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("genlab"),
                required_features: wgpu::Features::empty(),
                required_limits: want.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError(format!("could not open the GPU device: {e}")))?;
        // Errors and device loss are recorded, not panicked on: callers see them as a
        // `GpuError` at the next readback and can carry on elsewhere.
        let fault: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let f = fault.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
            f.get_or_insert_with(|| format!("GPU error: {e}"));
        }));
        let f = fault.clone();
        device.set_device_lost_callback(move |reason, msg| {
            let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
            f.get_or_insert_with(|| format!("the GPU device was lost ({reason:?}): {msg}"));
        });
        Ok(Arc::new(Gpu {
            device,
            queue,
            pipelines: Mutex::new(HashMap::new()),
            adapter: format!("{} ({:?})", info.name, info.backend),
            software: info.device_type == wgpu::DeviceType::Cpu,
            limits: want,
            fault,
            pending: Mutex::new(None),
            free: Mutex::new((HashMap::new(), 0)),
            profile: (cfg!(not(target_arch = "wasm32"))
                && std::env::var_os("GENLAB_GPU_PROFILE").is_some())
            .then(|| Mutex::new(HashMap::new())),
        }))
    }

    fn pipeline(&self, key: &str, source: impl FnOnce() -> String) -> wgpu::ComputePipeline {
        self.pipeline_at(key, "main", source)
    }

    /// The pipeline of entry point `entry`; `key` names the pair in the cache.
    fn pipeline_at(
        &self,
        key: &str,
        entry: &str,
        source: impl FnOnce() -> String,
    ) -> wgpu::ComputePipeline {
        let mut cache = self.pipelines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache.get(key) {
            return p.clone();
        }
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(key),
                source: wgpu::ShaderSource::Wgsl(source().into()),
            });
        let p = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(key),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        cache.insert(key.to_string(), p.clone());
        p
    }

    /// What went wrong with the device, if anything has.
    pub fn fault(&self) -> Option<String> {
        self.fault.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Destroys the device, as a driver reset or a browser tab in the background might.
    /// For testing the fallback to the CPU.
    pub fn simulate_loss(&self) {
        self.device.destroy();
        self.fault
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(|| "the GPU device was lost (simulated)".into());
    }

    /// Number of distinct kernels built so far (the cache's size).
    pub fn cached_pipelines(&self) -> usize {
        self.pipelines.lock().map(|c| c.len()).unwrap_or(0)
    }

    pub fn upload(self: &Arc<Self>, data: &[f32]) -> GpuBuffer {
        // Zero-sized buffers are not allowed: keep at least one element.
        let padded;
        let bytes: &[u8] = if data.is_empty() {
            padded = [0f32];
            bytemuck::cast_slice(&padded)
        } else {
            bytemuck::cast_slice(data)
        };
        let buf = self.buffer_with(
            bytes,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        );
        GpuBuffer {
            buf: Arc::new(Pooled { buf, home: None }),
            gpu: self.clone(),
        }
    }

    /// A kernel's output buffer for `n` floats: from the pool when one of its size class
    /// is free (its old contents are overwritten before anything reads them).
    fn empty(self: &Arc<Self>, n: usize) -> GpuBuffer {
        let size = size_class((n.max(1) * 4) as u64);
        let reused = {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            let b = free.0.get_mut(&size).and_then(Vec::pop);
            if b.is_some() {
                free.1 -= size;
            }
            b
        };
        let buf = reused.unwrap_or_else(|| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        GpuBuffer {
            buf: Arc::new(Pooled {
                buf,
                home: Some(self.clone()),
            }),
            gpu: self.clone(),
        }
    }

    /// Takes back a kernel-output buffer no tensor uses any more. Work already recorded
    /// that reads it runs before anything recorded later can write it (one queue, in
    /// order), so it can be handed out again at once.
    fn give_back(&self, buf: wgpu::Buffer) {
        let size = buf.size();
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.1 + size <= POOL_BYTES && self.fault().is_none() {
            free.0.entry(size).or_default().push(buf);
            free.1 += size;
        }
    }

    fn meta(&self, words: &[u32]) -> wgpu::Buffer {
        self.buffer_with(
            bytemuck::cast_slice(words),
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        )
    }

    /// A buffer filled through the queue (not by mapping, which panics on a lost device).
    fn buffer_with(&self, bytes: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
        let size = (bytes.len() as u64).div_ceil(4) * 4;
        let buf = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size,
            usage,
            mapped_at_creation: false,
        });
        let mut padded = bytes.to_vec();
        padded.resize(size as usize, 0);
        self.queue.write_buffer(&buf, 0, &padded);
        buf
    }

    fn launch(
        &self,
        key: &str,
        pipeline: &wgpu::ComputePipeline,
        buffers: &[&wgpu::Buffer],
        groups: (u32, u32, u32),
    ) {
        let layout = pipeline.get_bind_group_layout(0);
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        });
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (enc, count) = pending.get_or_insert_with(|| {
            let enc = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
            (enc, 0)
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: None,
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups.0, groups.1, groups.2);
        }
        *count += 1;
        if *count >= BATCH || self.profile.is_some() {
            let (enc, _) = pending.take().expect("just recorded");
            self.queue.submit([enc.finish()]);
        }
        drop(pending);
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(stats) = &self.profile {
            let t0 = std::time::Instant::now();
            let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
            let mut stats = stats.lock().unwrap_or_else(|e| e.into_inner());
            let e = stats.entry(key.to_string()).or_default();
            e.0 += t0.elapsed().as_secs_f64();
            e.1 += 1;
        }
        #[cfg(target_arch = "wasm32")]
        let _ = key;
    }

    /// The profile's total seconds and its `rows` slowest kernels, one line each
    /// ("  time ms  count × key"); `None` when not profiling.
    pub fn profile_report(&self, rows: usize) -> Option<(f64, String)> {
        let prof = self.profile();
        if prof.is_empty() {
            return None;
        }
        let total = prof.iter().map(|p| p.1).sum();
        let lines = prof
            .iter()
            .take(rows)
            .map(|(k, secs, n)| format!("  {:>9.1} ms {:>7} × {k}\n", secs * 1e3, n))
            .collect();
        Some((total, lines))
    }

    /// The profile gathered under `GENLAB_GPU_PROFILE`, slowest kernels first: (key,
    /// seconds, dispatches). Empty when not profiling.
    pub fn profile(&self) -> Vec<(String, f64, u64)> {
        let Some(stats) = &self.profile else {
            return Vec::new();
        };
        let stats = stats.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<_> = stats.iter().map(|(k, &(s, n))| (k.clone(), s, n)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }

    /// Submits the recorded dispatches (with `last` recorded after them, if given).
    /// Buffers written through the queue are always fresh ones, so writes landing before
    /// this submission's dispatches cannot overtake a read of an older value.
    fn flush(&self, last: Option<&dyn Fn(&mut wgpu::CommandEncoder)>) {
        // The lock is held through the submit: work taken from the encoder must reach the
        // queue before anything recorded after it (another thread's flush included).
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut enc = match pending.take() {
            Some((enc, _)) => enc,
            None if last.is_some() => self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None }),
            None => return,
        };
        if let Some(f) = last {
            f(&mut enc);
        }
        self.queue.submit([enc.finish()]);
    }

    /// Workgroups for `n` invocations of 256, as a 2-D grid when one axis is not enough.
    fn grid(&self, n: usize) -> (u32, u32, u32) {
        self.groups(n.div_ceil(WORKGROUP as usize))
    }

    /// `n` workgroups, as a 2-D grid when one axis is not enough.
    fn groups(&self, n: usize) -> (u32, u32, u32) {
        let groups = (n as u64).max(1);
        let max = self.limits.max_compute_workgroups_per_dimension as u64;
        if groups <= max {
            (groups as u32, 1, 1)
        } else {
            (max as u32, groups.div_ceil(max) as u32, 1)
        }
    }

    /// Blocks until the GPU has finished all submitted work (native only: for timing).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn wait_idle(&self) {
        self.flush(None);
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
    }

    /// Copies a buffer's first `n` floats back to the CPU. Asynchronous on every platform.
    pub async fn read(&self, src: &wgpu::Buffer, n: usize) -> Result<Vec<f32>, GpuError> {
        if let Some(f) = self.fault() {
            return Err(GpuError(f));
        }
        let size = (n.max(1) * 4) as u64;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.flush(Some(&|enc: &mut wgpu::CommandEncoder| {
            enc.copy_buffer_to_buffer(src, 0, &staging, 0, size)
        }));
        // futures' one-shot channel works with any executor (the browser's, or none).
        let (tx, rx) = futures_channel::oneshot::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError(format!("waiting for the GPU failed: {e}")))?;
        rx.await
            .map_err(|_| GpuError("the GPU device was lost during a readback".into()))?
            .map_err(|e| GpuError(format!("reading the GPU buffer failed: {e}")))?;
        if let Some(f) = self.fault() {
            return Err(GpuError(f));
        }
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(stats) = &self.profile {
            let mut stats = stats.lock().unwrap_or_else(|e| e.into_inner());
            stats.entry("readback (count only)".into()).or_default().1 += 1;
        }
        let v = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| GpuError(format!("{e}")))?;
            bytemuck::cast_slice::<u8, f32>(&view)[..n].to_vec()
        };
        staging.unmap();
        Ok(v)
    }

    fn layout_words(l: &Layout) -> Vec<u32> {
        let mut w: Vec<u32> = l.strides.iter().map(|&s| s as u32).collect();
        w.push(l.offset as u32);
        w
    }

    pub fn unary(self: &Arc<Self>, op: UnaryOp, p: f32, x: &GpuBuffer, l: &Layout) -> GpuBuffer {
        let n = l.numel();
        let out = self.empty(n);
        let mut meta = vec![n as u32, l.rank() as u32];
        meta.extend(l.shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(l));
        meta.push(p.to_bits());
        let meta = self.meta(&meta);
        let key = format!("unary:{op:?}");
        let pipe = self.pipeline(&key, || {
            format!("{}{}", COMMON, UNARY.replace("OP", op.wgsl()))
        });
        self.launch(&key, &pipe, &[&x.buf, &out.buf, &meta], self.grid(n));
        out
    }

    /// `la` and `lb` are already broadcast to the output shape.
    pub fn binary(
        self: &Arc<Self>,
        op: BinaryOp,
        a: &GpuBuffer,
        la: &Layout,
        b: &GpuBuffer,
        lb: &Layout,
    ) -> GpuBuffer {
        let n = la.numel();
        let out = self.empty(n);
        let mut meta = vec![n as u32, la.rank() as u32];
        meta.extend(la.shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(la));
        meta.extend(Self::layout_words(lb));
        let meta = self.meta(&meta);
        let key = format!("binary:{op:?}");
        let pipe = self.pipeline(&key, || {
            format!("{}{}", COMMON, BINARY.replace("OP", op.wgsl()))
        });
        self.launch(
            &key,
            &pipe,
            &[&a.buf, &b.buf, &out.buf, &meta],
            self.grid(n),
        );
        out
    }

    pub fn reduce(
        self: &Arc<Self>,
        op: ReduceOp,
        x: &GpuBuffer,
        l: &Layout,
        axis: usize,
    ) -> GpuBuffer {
        let mut out_shape = l.shape.clone();
        out_shape[axis] = 1;
        let n = super::shape::numel(&out_shape);
        let out = self.empty(n);
        let mut meta = vec![n as u32, l.rank() as u32];
        meta.extend(out_shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(l));
        meta.extend([axis as u32, l.shape[axis] as u32, op.code()]);
        let meta = self.meta(&meta);
        // Few outputs over a long axis: a workgroup per output instead of a thread.
        let len = l.shape[axis];
        if op.code() <= 3 && len >= 256 && n < 8192 {
            let pipe = self.pipeline_at("reduce:wide", "wide", || format!("{COMMON}{REDUCE}"));
            self.launch(
                "reduce:wide",
                &pipe,
                &[&x.buf, &out.buf, &meta],
                self.groups(n),
            );
        } else {
            let pipe = self.pipeline("reduce", || format!("{COMMON}{REDUCE}"));
            self.launch("reduce", &pipe, &[&x.buf, &out.buf, &meta], self.grid(n));
        }
        out
    }

    /// `x` is contiguous, `n` values in rows of `len`: each row standardised
    /// (`norm.wgsl`, a workgroup per row).
    pub fn standardise(
        self: &Arc<Self>,
        x: &GpuBuffer,
        n: usize,
        len: usize,
        eps: f32,
    ) -> GpuBuffer {
        let out = self.empty(n);
        let rows = n.checked_div(len).unwrap_or(0);
        let meta = self.meta(&[rows as u32, len as u32, eps.to_bits()]);
        let pipe = self.pipeline("standardise", || NORM.to_string());
        self.launch(
            "standardise",
            &pipe,
            &[&x.buf, &out.buf, &meta],
            self.groups(rows),
        );
        out
    }

    /// `la` is [batch, m, k], `lb` is [batch, k, n]; the result is contiguous [batch, m, n].
    pub fn matmul(
        self: &Arc<Self>,
        a: &GpuBuffer,
        la: &Layout,
        b: &GpuBuffer,
        lb: &Layout,
    ) -> GpuBuffer {
        let (batch, m, k, n) = (la.shape[0], la.shape[1], la.shape[2], lb.shape[2]);
        // Split K when C has too few 64×64 tiles to fill the GPU and K is long (a weight
        // gradient of a convolution: K = batch × pixels): slices of at least 512.
        let tiles = n.div_ceil(64) * m.div_ceil(64) * batch;
        let slices = if tiles < 128 && k >= 1024 {
            (k / 512).min(256 / tiles).max(1)
        } else {
            1
        };
        let kc = k.div_ceil(slices).div_ceil(16) * 16;
        let slices = k.div_ceil(kc.max(1)).max(1);
        let out = self.empty(slices * batch * m * n);
        let meta = [
            m as u32,
            k as u32,
            n as u32,
            la.strides[0] as u32,
            la.strides[1] as u32,
            la.strides[2] as u32,
            la.offset as u32,
            lb.strides[0] as u32,
            lb.strides[1] as u32,
            lb.strides[2] as u32,
            lb.offset as u32,
            batch as u32,
            kc.max(16) as u32,
        ];
        let meta = self.meta(&meta);
        let pipe = self.pipeline("matmul", || MATMUL.to_string());
        let mm_key = match self.profile {
            Some(_) => format!("matmul {batch}×{m}×{k}×{n} /{slices}"),
            None => String::new(),
        };
        self.launch(
            &mm_key,
            &pipe,
            &[&a.buf, &b.buf, &out.buf, &meta],
            (
                n.div_ceil(64) as u32,
                m.div_ceil(64) as u32,
                (batch * slices) as u32,
            ),
        );
        if slices == 1 {
            return out;
        }
        let partial = Layout::contiguous(&[slices, batch * m * n]);
        self.reduce(ReduceOp::Sum, &out, &partial, 0)
    }

    pub fn where_(
        self: &Arc<Self>,
        c: (&GpuBuffer, &Layout),
        a: (&GpuBuffer, &Layout),
        b: (&GpuBuffer, &Layout),
    ) -> GpuBuffer {
        let n = a.1.numel();
        let out = self.empty(n);
        let mut info = vec![n as u32, a.1.rank() as u32];
        info.extend(a.1.shape.iter().map(|&s| s as u32));
        for l in [c.1, a.1, b.1] {
            info.extend(Self::layout_words(l));
        }
        let info = self.meta(&info);
        let pipe = self.pipeline("where", || format!("{COMMON}{WHERE}"));
        self.launch(
            "where",
            &pipe,
            &[&c.0.buf, &a.0.buf, &b.0.buf, &out.buf, &info],
            self.grid(n),
        );
        out
    }

    /// A zero-filled buffer of `n` floats.
    pub fn zeros(self: &Arc<Self>, n: usize) -> GpuBuffer {
        self.upload(&vec![0.0; n])
    }

    /// Writes the view `src` into `dst` at the positions of the view `ld` (same shape).
    pub fn copy_into(&self, src: &GpuBuffer, ls: &Layout, dst: &GpuBuffer, ld: &Layout) {
        let n = ls.numel();
        let mut info = vec![n as u32, ls.rank() as u32];
        info.extend(ls.shape.iter().map(|&s| s as u32));
        info.extend(Self::layout_words(ls));
        info.extend(Self::layout_words(ld));
        let info = self.meta(&info);
        let pipe = self.pipeline("copy", || format!("{COMMON}{COPY}"));
        self.launch("copy", &pipe, &[&src.buf, &dst.buf, &info], self.grid(n));
    }

    /// Rows of a contiguous [rows, cols] table picked by the (contiguous) index buffer.
    pub fn gather_rows(
        self: &Arc<Self>,
        table: &GpuBuffer,
        cols: usize,
        idx: &GpuBuffer,
        n_idx: usize,
    ) -> GpuBuffer {
        let n = n_idx * cols;
        let out = self.empty(n);
        let info = self.meta(&[n as u32, cols as u32]);
        let pipe = self.pipeline("gather", || GATHER.to_string());
        self.launch(
            "gather",
            &pipe,
            &[&table.buf, &idx.buf, &out.buf, &info],
            self.grid(n),
        );
        out
    }

    /// im2col (`fold == false`) or its adjoint col2im (`fold == true`) of a contiguous buffer.
    pub fn unfold(
        self: &Arc<Self>,
        src: &GpuBuffer,
        g: &super::cpu::Conv,
        fold: bool,
    ) -> GpuBuffer {
        let n = if fold {
            g.n * g.c * g.h * g.w
        } else {
            g.n * g.rows() * g.out_h() * g.out_w()
        };
        let out = self.empty(n);
        let info: Vec<u32> = [
            n,
            g.n,
            g.c,
            g.h,
            g.w,
            g.kh,
            g.kw,
            g.stride,
            g.pad,
            g.out_h(),
            g.out_w(),
        ]
        .iter()
        .map(|&v| v as u32)
        .collect();
        let info = self.meta(&info);
        let key = if fold { "fold" } else { "unfold" };
        let pipe = self.pipeline(key, || {
            UNFOLD.replace("MODE", if fold { "1u" } else { "0u" })
        });
        self.launch(key, &pipe, &[&src.buf, &out.buf, &info], self.grid(n));
        out
    }

    /// `n` random numbers from `seed`: uniform in [0, 1) or standard normal.
    pub fn random(self: &Arc<Self>, n: usize, seed: u64, normal: bool) -> GpuBuffer {
        let out = self.empty(n);
        let info = self.meta(&[n as u32, seed as u32, (seed >> 32) as u32, normal as u32]);
        let pipe = self.pipeline("random", || RANDOM.to_string());
        self.launch("random", &pipe, &[&out.buf, &info], self.grid(n));
        out
    }
}

/// The first limit the device will be opened with that the adapter does not offer, in
/// words. Every limit of `want` is checked (wgpu's own comparison, the one
/// `request_device` makes), so none can be forgotten here.
fn missing_limits(have: &wgpu::Limits, want: &wgpu::Limits) -> Option<String> {
    let mut why = None;
    want.check_limits_with_fail_fn(have, true, |name, w, h| {
        let what = name.trim_start_matches("max_").replace('_', " ");
        why = Some(format!("it allows {h} for {what}, Genlab needs {w}"));
    });
    why
}

#[cfg(test)]
mod limit_tests {
    use super::missing_limits;

    #[test]
    fn every_limit_asked_for_is_checked() {
        let mut want = wgpu::Limits::downlevel_defaults();
        want.max_compute_workgroup_size_x = 256;
        want.max_compute_workgroup_size_y = 256;
        assert_eq!(missing_limits(&want, &want), None);
        let mut have = want.clone();
        have.max_compute_workgroup_size_y = 128;
        let why = missing_limits(&have, &want).expect("y is short");
        assert!(why.contains("compute workgroup size y"), "{why}");
        assert!(why.contains("128") && why.contains("256"), "{why}");
        let mut have = want.clone();
        have.max_compute_workgroup_storage_size = 8192;
        assert!(missing_limits(&have, &want).is_some());
    }
}
