//! Reading a buffer back to the CPU: the only asynchronous step after set-up.

use super::*;

impl Gpu {
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
}
