//! The engine as a service: the page's models, their training jobs and their samplers,
//! run apart from the page (in a dedicated Web Worker in the browser) and spoken to only
//! through [`protocol`]. [`host`] holds the state and the work and is plain Rust, driven
//! natively by the tests; `worker` (wasm only) is the message loop around it.

#[cfg(all(target_arch = "wasm32", feature = "engine"))]
mod bench;
pub mod host;
pub mod protocol;
#[cfg(all(target_arch = "wasm32", feature = "engine"))]
mod worker;

/// Milliseconds on a monotonic clock: the worker's `performance.now()` in the browser,
/// time since the first call natively.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|p| {
                let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
                let now: js_sys::Function = wasm_bindgen::JsCast::dyn_into(now).ok()?;
                now.call0(&p).ok()?.as_f64()
            });
        perf.unwrap_or_else(js_sys::Date::now)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1e3
    }
}
