//! `GENLAB_GPU_PROFILE`: time per kernel, summed (native only).

use super::*;

impl Gpu {
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
}
