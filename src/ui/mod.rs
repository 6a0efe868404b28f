//! The notebook in the page: Leptos components for the shell (home, lesson, embed,
//! not-found), the compute badge, and the lessons' widgets. Only this layer touches the
//! DOM; it reads lessons, models and plots from the layers below.

mod app;
mod browser;
mod compute;
mod embedding;
mod engine;
mod exercise;
mod figures;
mod kit;
mod progress;
mod run_kit;
mod split;
mod training;
mod widgets;

use crate::lessons::route::{parse, Route};
use wasm_bindgen::prelude::*;

/// Entry point of the page build: mounts the app on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    browser::remove_loading_message();
    if let Route::Lesson { lesson, .. } | Route::Embed { lesson, .. } = parse(&browser::hash()) {
        widgets::prefetch(lesson);
    }
    leptos::mount::mount_to_body(app::App);
}

/// The names of every widget the UI implements, in course order (a browser test checks
/// them against the lesson table, `lessons::widget_names`); loads every lesson's chunk.
pub async fn widget_names() -> Vec<&'static str> {
    widgets::registered()
        .await
        .expect("in a build without chunks, every table is at hand")
}

/// The crate's version, for the console and bug reports.
#[wasm_bindgen]
pub fn genlab_version() -> String {
    // Safe at compile time: the version is part of cargo's fingerprint of this crate, so a
    // binary reused from another checkout carries the same version.
    env!("CARGO_PKG_VERSION").to_string()
}
