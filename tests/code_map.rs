//! ARCHITECTURE.md's code map names every source file: each file under `src/`, `tests/`,
//! `examples/`, `xtask/src/` and `www/`'s scripts appears in backticks, as itself, in a
//! `{a,b}` list, under a `dir/*.ext` pattern or in a listed folder (`tests/e2e/`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (relative to the root, with `/`), recursively.
fn files(dir: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
        return;
    };
    for e in entries.flatten() {
        let name = format!("{dir}/{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            files(&name, out);
        } else {
            out.push(name);
        }
    }
}

/// The names the map gives in backticks, with `{a,b}` lists expanded.
fn named(map: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, part) in map.split('`').enumerate() {
        if i % 2 == 0 || part.contains('\n') {
            continue;
        }
        match (part.find('{'), part.find('}')) {
            (Some(a), Some(b)) if a < b => {
                for item in part[a + 1..b].split(',') {
                    out.push(format!("{}{}{}", &part[..a], item.trim(), &part[b + 1..]));
                }
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

fn covered(file: &str, names: &[String]) -> bool {
    names.iter().any(|n| {
        if n == file || (n.ends_with('/') && file.starts_with(n.as_str())) {
            return true;
        }
        // `dir/*.ext`
        match n.split_once("*") {
            Some((dir, ext)) if dir.ends_with('/') => {
                file.starts_with(dir) && file.ends_with(ext) && !file[dir.len()..].contains('/')
            }
            _ => false,
        }
    })
}

#[test]
fn the_code_map_names_every_source_file() {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let names = named(&map);
    let mut all = Vec::new();
    for dir in ["src", "tests", "examples", "xtask/src"] {
        files(dir, &mut all);
    }
    all.retain(|f| {
        let ext = Path::new(f).extension().and_then(|e| e.to_str());
        matches!(ext, Some("rs" | "wgsl" | "mjs" | "py")) && !f.starts_with("tests/fixtures/")
    });
    files("www", &mut all);
    all.retain(|f| !f.starts_with("www/") || f.ends_with(".js"));
    let missing: Vec<&String> = all.iter().filter(|f| !covered(f, &names)).collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name {missing:?}: one short line each"
    );
}
