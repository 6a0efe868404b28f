//! Which compute path the notebook uses (WebGPU or CPU), why, and the reader's switch.
//!
//! Detection asks the browser for a WebGPU adapter, asynchronously. No adapter (or no
//! `navigator.gpu` at all) means the CPU path, with the reason shown on the badge.

use super::browser;
use crate::tensor::gpu::Gpu;
use crate::tensor::Device;
use leptos::prelude::*;
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Debug, PartialEq)]
pub enum Detected {
    Pending,
    /// An adapter exists; a short description of it.
    Gpu(String),
    /// No usable adapter, and why.
    NoGpu(String),
}

#[derive(Clone, Copy)]
pub struct Compute {
    pub detected: RwSignal<Detected>,
    /// The reader's choice: true = use WebGPU when there is an adapter.
    pub prefer_gpu: RwSignal<bool>,
}

const PREF_KEY: &str = "genlab:prefer-gpu";

thread_local! {
    /// The device opened at detection, shared by every lesson (one per page).
    static GPU: RefCell<Option<Arc<Gpu>>> = const { RefCell::new(None) };
}

impl Compute {
    pub fn new() -> Self {
        let prefer = browser::storage_get(PREF_KEY).is_none_or(|v| v != "0");
        let c = Compute {
            detected: RwSignal::new(Detected::Pending),
            prefer_gpu: RwSignal::new(prefer),
        };
        let detected = c.detected;
        leptos::task::spawn_local(async move {
            detected.set(detect().await);
        });
        c
    }

    /// How status lines name where work ran: "on WebGPU" or "on the CPU" (a browser's
    /// adapter name is often empty, so it is not used).
    pub fn on(dev: &Device) -> &'static str {
        match dev {
            Device::Gpu(_) => "on WebGPU",
            Device::Cpu => "on the CPU",
        }
    }

    /// Whether lessons should run on WebGPU now.
    pub fn uses_gpu(&self) -> bool {
        self.prefer_gpu.get() && matches!(self.detected.get(), Detected::Gpu(_))
    }

    /// The device work should go to now (not tracked).
    pub fn device(&self) -> Device {
        let want = self.prefer_gpu.get_untracked()
            && matches!(self.detected.get_untracked(), Detected::Gpu(_));
        match GPU.with(|g| g.borrow().clone()) {
            Some(g) if want => Device::Gpu(g),
            _ => Device::Cpu,
        }
    }

    /// The GPU device was lost: forget it, and say so on the badge; work goes to the CPU.
    pub fn gpu_lost(&self, why: &str) {
        GPU.with(|g| g.borrow_mut().take());
        self.detected.set(Detected::NoGpu(format!(
            "the GPU device was lost ({why}); running on the CPU"
        )));
    }
}

/// Test hook: makes the page's GPU device behave as if it had been lost (the driver
/// crashed or the tab was backgrounded), so the end-to-end tests can check that training
/// carries on on the CPU. Returns false when there is no GPU device.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn genlab_simulate_gpu_loss() -> bool {
    GPU.with(|g| match g.borrow().as_ref() {
        Some(g) => {
            g.simulate_loss();
            true
        }
        None => false,
    })
}

async fn detect() -> Detected {
    let nav = browser::window().navigator();
    let gpu = js_sys::Reflect::get(&nav, &JsValue::from_str("gpu")).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Detected::NoGpu("this browser does not offer WebGPU".into());
    }
    let req = js_sys::Reflect::get(&gpu, &JsValue::from_str("requestAdapter"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(req) = req else {
        return Detected::NoGpu("navigator.gpu has no requestAdapter".into());
    };
    let promise = match req.call0(&gpu).map(|p| p.dyn_into::<js_sys::Promise>()) {
        Ok(Ok(p)) => p,
        _ => return Detected::NoGpu("requestAdapter() failed".into()),
    };
    match JsFuture::from(promise).await {
        Ok(a) if !a.is_null() && !a.is_undefined() => {
            let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
            let info = get(&a, "info");
            let field = |k: &str| {
                info.as_ref()
                    .and_then(|i| get(i, k))
                    .and_then(|v| v.as_string())
                    .filter(|s| !s.is_empty())
            };
            let fallback = get(&a, "isFallbackAdapter")
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
                || info
                    .as_ref()
                    .and_then(|i| get(i, "isFallbackAdapter"))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
            let mut name = [field("vendor"), field("architecture"), field("description")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() {
                name = "adapter".into();
            }
            if fallback {
                name.push_str(", software fallback");
            }
            // An adapter is not enough: open the device the engine would use, so that an
            // adapter with too-small limits is reported here and the CPU path taken.
            match Gpu::new().await {
                Ok(g) => {
                    GPU.with(|s| *s.borrow_mut() = Some(g));
                    Detected::Gpu(name)
                }
                Err(e) => Detected::NoGpu(e.0),
            }
        }
        Ok(_) => Detected::NoGpu("no WebGPU adapter".into()),
        Err(_) => Detected::NoGpu("requestAdapter() was rejected".into()),
    }
}

/// The badge in the header: what runs the maths, why, and a switch.
#[component]
pub fn ComputeBadge() -> impl IntoView {
    let c = expect_context::<Compute>();
    let label = move || match (c.detected.get(), c.prefer_gpu.get()) {
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
