//! Benchmarks run inside the page (driven by `cargo xtask bench` through headless
//! Chromium): the peer workloads of `shared/peer-bench` on the CPU path (wasm SIMD) and on
//! WebGPU. Exported to JavaScript; the UI never calls them.

use crate::nn::peer::{uniform_pm1, PeerMlp};
use crate::tensor::gpu::Gpu;
use crate::tensor::Device;
use wasm_bindgen::prelude::*;

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
    let warm = super::now_ms();
    f().await?;
    // Work that takes seconds (a U-Net on a software GPU) is timed once, not three times.
    let min_reps = if super::now_ms() - warm > 2000.0 {
        1
    } else {
        3
    };
    let start = super::now_ms();
    let mut reps = 0;
    while super::now_ms() - start < 1000.0 || reps < min_reps {
        f().await?;
        reps += 1;
    }
    Ok((super::now_ms() - start) / reps as f64)
}

/// Milliseconds per training step of recipe `name` on `dev` (every part of the step: a
/// GAN's D and G), with its network and the weights it started from.
// `time` awaits one repetition before starting the next, so the borrow is never shared.
#[allow(clippy::await_holding_refcell_ref)]
async fn train_step_ms(
    name: &str,
    dev: &Device,
) -> Result<(f64, crate::models::zoo::Net, crate::nn::Params), JsValue> {
    let r = crate::models::zoo::recipe(name).expect("recipe");
    let (net, t) = r
        .trainer(dev)
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let params = t.params.clone();
    let t = std::cell::RefCell::new(t);
    let ms = time(|| {
        let net = net.clone();
        let t = &t;
        async move {
            let mut tr = t.borrow_mut();
            tr.run_groups(
                1,
                &crate::train::group_loss_fn(|g, tape, p, step, d| {
                    r.group_loss(&net, r.beta, g, tape, p, step, d)
                }),
            )
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
            Ok(())
        }
    })
    .await?;
    Ok((ms, net, params))
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

/// Lesson timings, as `{ jarDecodeMs, avatarDecodeMs, vaeStepMs, ganStepMs, gan64Ms,
/// gptStepMs, names200Ms, keystrokeMs, unetStepMs, ddimStepMs }`: decoding one latent
/// point (the pads' work per pointer move, always on the CPU path), and on the chosen path
/// one training step of the avatar VAE (batch 32), of the DCGAN (batch 32), 64 DCGAN
/// samples, a transformer step (64 names), a U-Net step and a guided DDIM step; 200 names
/// sampled and a keystroke's next-symbol law and attention maps (CPU, as the engine
/// answers the page).
#[wasm_bindgen]
#[allow(clippy::await_holding_refcell_ref)] // as in train_step_ms: one repetition at a time
pub async fn bench_lessons(gpu: bool) -> Result<JsValue, JsValue> {
    use crate::models::zoo::recipe;
    let js = |e: crate::tensor::TensorError| JsValue::from_str(&e.to_string());
    let mut out = Vec::new();
    for (key, name, latent) in [
        ("jarDecodeMs", "jar-ae", 2),
        ("avatarDecodeMs", "avatar-vae", 8),
    ] {
        let r = recipe(name).expect("recipe");
        let (net, p) = r.build(&Device::Cpu);
        let ae = net.as_autoencoder().expect("an autoencoder");
        let z = vec![vec![0.3f32; latent]];
        let ms = time(|| {
            let res = ae.decode(&p, &z).map(|_| ()).map_err(js);
            async move { res }
        })
        .await?;
        out.push((key, ms));
    }
    let dev = device(gpu).await?;
    let (ms, _, _) = train_step_ms("avatar-vae", &dev).await?;
    out.push(("vaeStepMs", ms));
    // Lesson 6: a DCGAN training step, and 64 people drawn by its generator.
    let (ms, net, params) = train_step_ms("avatar-gan", &dev).await?;
    out.push(("ganStepMs", ms));
    let ms = time(|| {
        let spec = crate::models::sampling::SampleSpec::Draw { n: 64, seed: 3 };
        let run = net.sampler(&params, &spec, &dev);
        async move {
            let mut run = run.ok_or_else(|| JsValue::from_str("the DCGAN does not sample"))?;
            crate::models::sampling::run_to_end(run.as_mut())
                .await
                .map_err(js)?;
            Ok(())
        }
    })
    .await?;
    out.push(("gan64Ms", ms));
    // Lesson 7: a transformer training step (64 names) on the chosen path; then, on its
    // CPU weights as the engine answers the page: 200 names sampled, and what one
    // keystroke asks (the next symbol's law and every head's attention map).
    let (ms, net, params) = train_step_ms("names-gpt", &dev).await?;
    out.push(("gptStepMs", ms));
    let cpu = params.to_cpu().await.map_err(js)?;
    let ask = |f: &str, rows: &[Vec<f32>], args: &[f64]| -> Result<(), JsValue> {
        net.call(&cpu, f, rows, args)
            .ok_or_else(|| JsValue::from_str("names-gpt has no such function"))?
            .map(|_| ())
            .map_err(js)
    };
    let ms = time(|| {
        let r = ask("sample", &[], &[200.0, 1.0, 0.0, 3.0]);
        async move { r }
    })
    .await?;
    out.push(("names200Ms", ms));
    let kalon = [vec![11.0f32, 1.0, 12.0, 15.0, 14.0]];
    let ms = time(|| {
        let r = ask("next", &kalon, &[]).and_then(|_| ask("attention", &kalon, &[]));
        async move { r }
    })
    .await?;
    out.push(("keystrokeMs", ms));
    // Lesson 10: a U-Net training step, and one guided DDIM step for 16 avatars.
    let (ms, net, params) = train_step_ms("avatar-unet", &dev).await?;
    out.push(("unetStepMs", ms));
    let Some(m) = net.get::<crate::models::diffusion::Unet>().cloned() else {
        return Err(JsValue::from_str("avatar-unet is not a U-Net"));
    };
    use crate::models::diffusion::{ImageRun, BENCH_JOB as job};
    let s = crate::models::zoo::schedule_unet();
    let run = std::cell::RefCell::new(ImageRun::new(&job, s, &dev));
    let ms = time(|| {
        let run = &run;
        let (m, params) = (&m, &params);
        async move {
            let mut r = run.borrow_mut();
            if r.finished() {
                *r = ImageRun::new(&job, s, &r.x.device());
            }
            r.step(m, params, s).map_err(js)?;
            r.x.to_vec().await.map_err(js)?;
            Ok(())
        }
    })
    .await?;
    out.push(("ddimStepMs", ms));
    let o = js_sys::Object::new();
    for (k, v) in out {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_f64(v))?;
    }
    Ok(o.into())
}
