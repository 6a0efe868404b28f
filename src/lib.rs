//! Genlab: interactive lessons on generative models that run in a browser tab.
//!
//! Layers, bottom up (see ARCHITECTURE.md): `data` → `models` → `engine` → `plot` → `lessons` → `ui`.
//! Everything below `ui` is plain Rust that native tests exercise; `ui` exists only in the
//! wasm build.
pub mod autodiff;
pub mod data;
pub mod engine;
pub mod lessons;
pub mod models;
pub mod nn;
pub mod plot;
pub mod tensor;
pub mod train;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod ui;
