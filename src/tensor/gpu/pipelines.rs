//! Shader modules and compute pipelines, built once per kernel variant and cached by key.

use super::*;

impl Gpu {
    pub(super) fn pipeline(
        &self,
        key: &str,
        source: impl FnOnce() -> String,
    ) -> wgpu::ComputePipeline {
        self.pipeline_at(key, "main", source)
    }

    /// The pipeline of entry point `entry`; `key` names the pair in the cache.
    pub(super) fn pipeline_at(
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
}
