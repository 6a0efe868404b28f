//! Which compute path the notebook uses (WebGPU or CPU), why, and the reader's switch.
//!
//! The engine's worker looks for a WebGPU adapter and opens the device
//! ([`crate::engine`]); what it found arrives here as [`Detected`]. No adapter (or no
//! `navigator.gpu` at all) means the CPU path, with the reason shown on the badge.

use super::browser;
pub use crate::engine::protocol::Detected;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Compute {
    pub detected: RwSignal<Detected>,
    /// The reader's choice: true = use WebGPU when there is an adapter.
    pub prefer_gpu: RwSignal<bool>,
}

const PREF_KEY: &str = "genlab:prefer-gpu";

impl Compute {
    pub fn new() -> Self {
        let prefer = browser::storage_get(PREF_KEY).is_none_or(|v| v != "0");
        Compute {
            detected: RwSignal::new(Detected::Pending),
            prefer_gpu: RwSignal::new(prefer),
        }
    }

    /// Whether lessons should run on WebGPU now.
    pub fn uses_gpu(&self) -> bool {
        self.prefer_gpu.get() && matches!(self.detected.get(), Detected::Gpu(_))
    }
}

/// The badge in the header: what runs the maths, why, and a switch.
#[component]
pub fn ComputeBadge() -> impl IntoView {
    let c = expect_context::<Compute>();
    let engine = super::engine::state();
    let label = move || match (c.detected.get(), c.prefer_gpu.get()) {
        (Detected::Pending, _) if matches!(engine.get(), super::engine::EngineState::Failed(_)) => {
            ("–".to_string(), "the engine is not running".to_string())
        }
        (Detected::Pending, _) => ("…".to_string(), "looking for a WebGPU adapter".to_string()),
        (Detected::Gpu(name), true) => ("WebGPU".into(), name),
        (Detected::Gpu(_), false) => ("CPU".into(), "you chose the CPU path".into()),
        (Detected::NoGpu(why), _) => ("CPU".into(), why),
    };
    let can_switch = move || matches!(c.detected.get(), Detected::Gpu(_));
    let toggle = move |_| {
        let v = !c.prefer_gpu.get_untracked();
        c.prefer_gpu.set(v);
        browser::storage_set(PREF_KEY, if v { "1" } else { "0" });
    };
    view! {
        <div class="compute-badge" data-testid="compute-badge" role="status">
            <span class="compute-path" data-testid="compute-path">{move || label().0}</span>
            <span class="compute-why">{move || label().1}</span>
            <button
                class="small"
                on:click=toggle
                disabled=move || !can_switch()
                title=move || if can_switch() { "Switch between WebGPU and the CPU path".to_string() } else { "WebGPU is not available here".to_string() }
            >
                {move || if c.uses_gpu() { "Use CPU" } else { "Use WebGPU" }}
            </button>
        </div>
    }
}
