//! Browser tests: the same code as the native tests, compiled to wasm and run in headless
//! Chromium by wasm-bindgen-test (`cargo xtask test` sets up the runner and chromedriver).
//! They check that the wasm build computes what the native build computes, and that the
//! app mounts and routes in a real DOM.
#![cfg(target_arch = "wasm32")]

use genlab::data::PData;
use genlab::lessons::route::{parse, Route};
use genlab::models::tabular::{kl, NaiveBayes};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The UI implements exactly the widgets the lesson table declares: a lesson's new widget
/// needs its name in `lessons::COURSE` and its component in its topic file's `WIDGETS`.
#[wasm_bindgen_test]
async fn every_declared_widget_is_implemented_and_no_other() {
    let declared: Vec<&str> = genlab::lessons::widget_names().collect();
    assert_eq!(genlab::ui::widget_names().await, declared);
}

#[wasm_bindgen_test]
fn p_data_sums_to_one_in_wasm() {
    let s: f64 = PData::default().table().iter().sum();
    assert!((s - 1.0).abs() < 1e-12);
}

/// The seeded sampler and the rasteriser give the same results in the browser as natively.
#[wasm_bindgen_test]
fn sampler_matches_native() {
    expected::sampler_gives_the_pinned_people();
}

#[wasm_bindgen_test]
fn rasteriser_matches_native() {
    expected::rasteriser_gives_the_pinned_checksum();
}

#[wasm_bindgen_test]
fn naive_bayes_kl_is_finite_with_enough_data() {
    let p = PData::default();
    let nb = NaiveBayes::fit(&p.sample_n(3000, 1));
    let k = kl(&p.table(), &nb.table());
    assert!(k.is_finite() && k > 0.0);
}

/// The CPU path's SIMD128 matrix product against plain loops.
#[wasm_bindgen_test]
fn simd_matmul_matches_plain_loops() {
    all_ops::simd_matmul_matches_plain_loops();
}

#[wasm_bindgen_test]
fn routes_parse_in_wasm() {
    assert_eq!(parse("#/lesson/2/3"), Route::Lesson { lesson: 2, step: 2 });
    assert!(matches!(parse("#/lesson/%ZZ"), Route::NotFound(_)));
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_the_course() {
    // The test harness does not run the crate's `start`: mount the app here, as the page does.
    // (The runner's own URL carries a fragment, which the router would rightly call
    // not-found; go home first.)
    web_sys::window().unwrap().location().set_hash("/").unwrap();
    genlab::ui::start();
    let doc = web_sys::window().unwrap().document().unwrap();
    for _ in 0..50 {
        if doc
            .query_selector("[data-testid=lesson-card]")
            .unwrap()
            .is_some()
        {
            break;
        }
        sleep(100).await;
    }
    let cards = doc.query_selector_all("[data-testid=lesson-card]").unwrap();
    let body = doc.body().unwrap().inner_html();
    let url = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(
        cards.length() as usize,
        genlab::lessons::all().len(),
        "at {url}: {}",
        &body[..body.len().min(600)]
    );
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

mod expected;

mod all_ops;

mod moons;

/// The engine trains in the page on both paths: the same MLP, seed and data on WebGPU and
/// on the CPU path give the same losses to tolerance, with a pause (a yield to the event
/// loop) between chunks as the notebook does.
#[wasm_bindgen_test]
async fn training_in_the_browser_matches_on_webgpu_and_cpu() {
    use genlab::nn::cross_entropy;
    use genlab::nn::optim::Optimizer;
    use genlab::tensor::gpu::Gpu;
    use genlab::tensor::Device;
    use genlab::train::{loss_fn, Trainer};

    let moons::Moons {
        x,
        y,
        mlp,
        params: p,
        ..
    } = moons::moons(64, 3, &[2, 16, 2], 1);
    let f = loss_fn(|tape, params, _, dev| {
        let logits = mlp.forward(params, &tape.leaf(x.to_device(dev)))?;
        Ok((
            cross_entropy(&logits, &tape.leaf(y.to_device(dev)))?,
            vec![],
        ))
    });
    let mut runs = Vec::new();
    for dev in [
        Device::Cpu,
        Device::Gpu(Gpu::new().await.expect("WebGPU adapter")),
    ] {
        let mut t = Trainer::new(p.clone(), Optimizer::adam(0.05), dev)
            .await
            .unwrap();
        for _ in 0..3 {
            t.run(10, &f).await.unwrap();
            sleep(0).await; // let the page breathe between chunks
        }
        runs.push(t.history.iter().map(|m| m.loss).collect::<Vec<_>>());
    }
    assert_eq!(runs[0].len(), 30);
    assert!(
        runs[0][29] < 0.7 * runs[0][0],
        "CPU loss {} → {}",
        runs[0][0],
        runs[0][29]
    );
    for (i, (c, g)) in runs[0].iter().zip(&runs[1]).enumerate() {
        assert!(
            (c - g).abs() < 1e-3 + 1e-2 * c.abs(),
            "step {i}: CPU {c} vs WebGPU {g}"
        );
    }
}

/// Every kernel family, forward and backward, on the browser's WebGPU against the CPU path.
#[wasm_bindgen_test]
async fn every_op_on_webgpu_matches_the_cpu_path() {
    let gpu = genlab::tensor::Device::Gpu(
        genlab::tensor::gpu::Gpu::new()
            .await
            .expect("a WebGPU adapter"),
    );
    all_ops::every_op_matches(&gpu).await;
}
