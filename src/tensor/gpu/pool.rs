//! Device buffers: fresh ones for uploads and metadata, a size-classed pool for kernel
//! outputs.

use super::*;

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
    pub(super) fn empty(self: &Arc<Self>, n: usize) -> GpuBuffer {
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
    pub(super) fn give_back(&self, buf: wgpu::Buffer) {
        let size = buf.size();
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.1 + size <= POOL_BYTES && self.fault().is_none() {
            free.0.entry(size).or_default().push(buf);
            free.1 += size;
        }
    }

    pub(super) fn meta(&self, words: &[u32]) -> wgpu::Buffer {
        self.buffer_with(
            bytemuck::cast_slice(words),
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        )
    }

    /// A buffer filled through the queue (not by mapping, which panics on a lost device).
    pub(super) fn buffer_with(&self, bytes: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
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
}
