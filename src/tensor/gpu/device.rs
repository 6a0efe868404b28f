//! Opening the device: the adapter, the limits the engine needs (all checked before the
//! device is opened), error and loss recording.

use super::*;

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
