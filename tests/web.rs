//! Browser tests: the same code as the native tests, compiled to wasm and run in headless
//! Chromium by wasm-bindgen-test (`cargo xtask test` sets up the runner and chromedriver).
//! They check that the wasm build computes what the native build computes, and that the
//! app mounts and routes in a real DOM.
#![cfg(target_arch = "wasm32")]

use genlab::data::draw::rasterise;
use genlab::data::{Avatar, PData};
use genlab::lessons::route::{parse, Route};
use genlab::models::tabular::{kl, NaiveBayes};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn p_data_sums_to_one_in_wasm() {
    let s: f64 = PData::default().table().iter().sum();
    assert!((s - 1.0).abs() < 1e-12);
}

/// The seeded sampler gives the same people in the browser as natively (the native test
/// `tests/determinism.rs` pins the same values).
#[wasm_bindgen_test]
fn sampler_matches_native() {
    let people = PData::default().sample_n(5, 2024);
    let got: Vec<usize> = people.iter().map(Avatar::index).collect();
    assert_eq!(got, genlab_expected::FIRST_FIVE_OF_SEED_2024.to_vec());
}

#[wasm_bindgen_test]
fn rasteriser_matches_native_checksum() {
    let img = rasterise(&Avatar([1, 6, 3, 5, 5]));
    let sum: u64 = img.iter().enumerate().map(|(i, &v)| (i as u64 % 251 + 1) * v as u64).sum();
    assert_eq!(sum, genlab_expected::RASTER_CHECKSUM);
}

#[wasm_bindgen_test]
fn naive_bayes_kl_is_finite_with_enough_data() {
    let p = PData::default();
    let nb = NaiveBayes::fit(&p.sample_n(3000, 1));
    let k = kl(&p.table(), &nb.table());
    assert!(k.is_finite() && k > 0.0);
}

#[wasm_bindgen_test]
fn routes_parse_in_wasm() {
    assert_eq!(parse("#/lesson/2/3"), Route::Lesson { lesson: 2, step: 2 });
    assert!(matches!(parse("#/lesson/%ZZ"), Route::NotFound(_)));
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_the_course() {
    // `start` runs on module load; the home page lists every lesson.
    let doc = web_sys::window().unwrap().document().unwrap();
    for _ in 0..50 {
        if doc.query_selector("[data-testid=lesson-card]").unwrap().is_some() {
            break;
        }
        sleep(100).await;
    }
    let cards = doc.query_selector_all("[data-testid=lesson-card]").unwrap();
    assert_eq!(cards.length() as usize, genlab::lessons::all().len());
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[path = "expected.rs"]
mod genlab_expected;
