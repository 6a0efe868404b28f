//! Cutting the page's wasm into chunks: the first-visit module (home, lessons 0–3, the
//! shell) and one chunk per later lesson's widgets, downloaded when a step first shows one.
//! The cut points are the `later!` lines of `src/ui/widgets/mod.rs` (`#[wasm_split]`
//! functions, compiled in under `--cfg genlab_split`); the linker keeps its relocations
//! (`--emit-relocs`) so that code can be moved between modules after linking.

use std::path::{Path, PathBuf};

/// The link module the page's wasm imports its chunk loaders from (beside `genlab.js`).
pub const LINK_MODULE: &str = "__wasm_split.js";

/// The rustc flags the page build needs for [`split`].
pub const RUSTFLAGS: [&str; 4] = ["--cfg", "genlab_split", "-C", "link-arg=--emit-relocs"];

/// Splits the linked `wasm` (built with [`RUSTFLAGS`]): the chunks and the link module go
/// into `pkg`; the main module, for wasm-bindgen, is returned (written beside `wasm`).
/// `glue` is the name of the JS glue wasm-bindgen will write for the main module.
pub fn split(wasm: &Path, pkg: &Path, glue: &str) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let input = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let main = wasm.with_extension("main.wasm");
    let main_module = format!("./{glue}.js");
    let link_name = format!("./{LINK_MODULE}");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = pkg;
    opts.main_out_path = &main;
    opts.main_module = &main_module;
    opts.link_name = &link_name;
    let out = wasm_split_cli_support::transform(opts).map_err(|e| format!("wasm-split: {e:#}"))?;
    Ok((main, out.split_modules))
}
