//! The engine's dedicated worker: `www/engine.js` instantiates the engine build in a Web
//! Worker and calls [`genlab_engine_main`]. It opens the GPU device (the worker's
//! `navigator.gpu`), then reads requests and does the work between them, posting replies
//! to the page as transferred byte buffers.

use super::host::Host;
use super::protocol::{decode, encode, Detected, Reply, Request};
use crate::tensor::gpu::Gpu;
use futures_channel::mpsc;
use futures_core::Stream;
use std::pin::Pin;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(replies: Vec<Reply>) {
    for r in replies {
        let bytes = js_sys::Uint8Array::from(encode(&r).as_slice());
        let buffer = bytes.buffer();
        let _ = scope().post_message_with_transfer(&buffer, &js_sys::Array::of1(&buffer));
    }
}

/// Lets the worker's event loop run (delivering messages) before more work.
async fn next_turn() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(p).await;
}

/// The worker's entry point.
#[wasm_bindgen]
pub fn genlab_engine_main() {
    console_error_panic_hook::set_once();
    let (tx, mut rx) = mpsc::unbounded::<Request>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
            match decode::<Request>(&bytes) {
                Ok(req) => {
                    let _ = tx.unbounded_send(req);
                }
                Err(e) => post(vec![Reply::Error(e)]),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let (gpu, detected) = detect().await;
        post(vec![Reply::Device(detected)]);
        let mut host = Host::new(gpu, super::now_ms);
        loop {
            // Everything that has arrived, then one chunk of work (or wait for a message).
            while let Ok(req) = rx.try_recv() {
                host.handle(req).await;
            }
            post(host.take_replies());
            if host.busy() {
                host.work().await;
                post(host.take_replies());
                next_turn().await;
            } else {
                match std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
                    Some(req) => host.handle(req).await,
                    None => break,
                }
            }
        }
    });
}

/// Opens the GPU device this worker's engine will use, and describes it for the badge.
async fn detect() -> (Option<Arc<Gpu>>, Detected) {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let gpu = get(&js_sys::global(), "navigator")
        .and_then(|n| get(&n, "gpu"))
        .filter(|g| !g.is_undefined() && !g.is_null());
    let Some(gpu) = gpu else {
        return (
            None,
            Detected::NoGpu("this browser does not offer WebGPU".into()),
        );
    };
    let promise = get(&gpu, "requestAdapter")
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&gpu).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let Some(promise) = promise else {
        return (None, Detected::NoGpu("requestAdapter() failed".into()));
    };
    let adapter = match JsFuture::from(promise).await {
        Ok(a) if !a.is_null() && !a.is_undefined() => a,
        Ok(_) => return (None, Detected::NoGpu("no WebGPU adapter".into())),
        Err(_) => {
            return (
                None,
                Detected::NoGpu("requestAdapter() was rejected".into()),
            )
        }
    };
    let info = get(&adapter, "info");
    let field = |k: &str| {
        info.as_ref()
            .and_then(|i| get(i, k))
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let flag = |o: Option<JsValue>| o.and_then(|v| v.as_bool()).unwrap_or(false);
    let fallback = flag(get(&adapter, "isFallbackAdapter"))
        || flag(info.as_ref().and_then(|i| get(i, "isFallbackAdapter")));
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
    // An adapter is not enough: open the device the engine uses, so that an adapter with
    // too-small limits is reported here and the CPU path taken.
    match Gpu::new().await {
        Ok(g) => (Some(g), Detected::Gpu(name)),
        Err(e) => (None, Detected::NoGpu(e.0)),
    }
}
