//! Recording launches into one command encoder, submitted in batches; workgroup grids.

use super::*;

impl Gpu {
    pub(super) fn launch(
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

    /// Submits the recorded dispatches (with `last` recorded after them, if given).
    /// Buffers written through the queue are always fresh ones, so writes landing before
    /// this submission's dispatches cannot overtake a read of an older value.
    pub(super) fn flush(&self, last: Option<&dyn Fn(&mut wgpu::CommandEncoder)>) {
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
    pub(super) fn grid(&self, n: usize) -> (u32, u32, u32) {
        self.groups(n.div_ceil(WORKGROUP as usize))
    }

    /// `n` workgroups, as a 2-D grid when one axis is not enough.
    pub(super) fn groups(&self, n: usize) -> (u32, u32, u32) {
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
}
