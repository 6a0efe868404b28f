//! Benchmarks run inside the page (driven by `cargo xtask bench` through headless
//! Chromium): the peer workloads of `shared/peer-bench` on the CPU path (wasm SIMD) and on
//! WebGPU. Exported to JavaScript; the UI never calls them.

use crate::nn::peer::{uniform_pm1, PeerMlp};
use crate::tensor::gpu::Gpu;
use crate::tensor::Device;
use wasm_bindgen::prelude::*;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

async fn device(gpu: bool) -> Result<Device, JsValue> {
    if gpu {
        Ok(Device::Gpu(
            Gpu::new().await.map_err(|e| JsValue::from_str(&e.0))?,
        ))
    } else {
        Ok(Device::Cpu)
    }
}

/// Milliseconds per call of an async closure: warm-up, then repeat for at least 1 s.
async fn time<F, Fut>(mut f: F) -> Result<f64, JsValue>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), JsValue>>,
{
    f().await?;
    let start = now_ms();
    let mut reps = 0;
    while now_ms() - start < 1000.0 || reps < 3 {
        f().await?;
        reps += 1;
    }
    Ok((now_ms() - start) / reps as f64)
}

/// f32 matmul of two N×N matrices: GFLOP/s (the GPU figure includes the readback).
#[wasm_bindgen]
pub async fn bench_matmul(n: usize, gpu: bool) -> Result<f64, JsValue> {
    let dev = device(gpu).await?;
    let a = uniform_pm1(&[n, n], 1, &dev);
    let b = uniform_pm1(&[n, n], 2, &dev);
    let ms = time(|| {
        let c = a.matmul(&b);
        async move {
            let c = c.map_err(|e| JsValue::from_str(&e.to_string()))?;
            if gpu {
                // Wait for the result: read one value back.
                c.narrow(0, 0, 1)
                    .and_then(|r| r.narrow(1, 0, 1))
                    .map_err(|e| JsValue::from_str(&e.to_string()))?
                    .to_vec()
                    .await
                    .map_err(|e| JsValue::from_str(&e.to_string()))?;
            }
            Ok(())
        }
    })
    .await?;
    Ok(2.0 * (n * n * n) as f64 / (ms * 1e-3) / 1e9)
}

/// One Adam step of an MLP 784-256-256-784 on a batch of 128 with an MSE loss: ms/step.
#[wasm_bindgen]
pub async fn bench_mlp(gpu: bool) -> Result<f64, JsValue> {
    let dev = device(gpu).await?;
    let mlp = std::cell::RefCell::new(PeerMlp::new(&dev));
    time(|| {
        let r = mlp.borrow_mut().step();
        async move {
            let loss = r.map_err(|e| JsValue::from_str(&e.to_string()))?;
            loss.to_vec()
                .await
                .map_err(|e| JsValue::from_str(&e.to_string()))?;
            Ok(())
        }
    })
    .await
}
