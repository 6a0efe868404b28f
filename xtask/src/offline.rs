//! The offline site: `sw.js` at the site's root is the service worker of `www/offline.js`
//! with this build's `VERSION` (a checksum of every file it precaches, so each new
//! deployment is a new worker and a new cache) and `PRECACHE` (the shell, the styles and
//! scripts, every wasm piece with the lessons' chunks; not the shipped weights, which the
//! worker caches the first time a lesson fetches them).

use std::path::Path;

/// Paths of the built site `out`, relative to it with `/` separators, sorted.
fn files(out: &Path) -> Vec<String> {
    let mut found = Vec::new();
    crate::sizes::files(out, &mut found);
    let mut rel: Vec<String> = found
        .iter()
        .filter_map(|p| p.strip_prefix(out).ok())
        .map(|r| {
            let parts: Vec<String> = r
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            parts.join("/")
        })
        .collect();
    rel.sort();
    rel
}

/// Whether the worker caches `path` at install.
fn precached(path: &str) -> bool {
    let skipped_dir = ["www/weights/", "www/lessons/"]
        .iter()
        .any(|d| path.starts_with(d));
    let skipped_file = matches!(path, "sw.js" | "bench.html" | ".nojekyll");
    let compressed = path.ends_with(".gz") || path.ends_with(".br");
    !(skipped_dir || skipped_file || compressed)
}

/// Writes `out/sw.js`.
pub fn write_service_worker(out: &Path) -> Result<(), String> {
    let list: Vec<String> = files(out).into_iter().filter(|f| precached(f)).collect();
    // FNV-1a over every precached file's name and bytes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &list {
        let bytes = std::fs::read(out.join(f)).map_err(|e| format!("{f}: {e}"))?;
        for b in f.bytes().chain(bytes) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let logic = std::fs::read_to_string(out.join("www/offline.js"))
        .map_err(|e| format!("www/offline.js: {e}"))?;
    let entries: Vec<String> = std::iter::once("./".to_string())
        .chain(list)
        .map(|f| format!("  '{f}',"))
        .collect();
    let sw = format!(
        "// Written by `cargo xtask build` from www/offline.js: this build's version and files.\nconst VERSION = '{h:016x}';\nconst PRECACHE = [\n{}\n];\n\n{logic}",
        entries.join("\n")
    );
    std::fs::write(out.join("sw.js"), sw).map_err(|e| format!("sw.js: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_caches_the_shell_and_wasm_but_not_weights_or_compressed_copies() {
        for p in [
            "index.html",
            "pkg/genlab_bg.wasm",
            "pkg/split_energies.wasm",
            "www/style.css",
            "www/engine.js",
        ] {
            assert!(precached(p), "{p}");
        }
        for p in [
            "sw.js",
            "www/weights/rbm-avatars.safetensors",
            "pkg/genlab_bg.wasm.br",
            "index.html.gz",
            "bench.html",
        ] {
            assert!(!precached(p), "{p}");
        }
    }
}
