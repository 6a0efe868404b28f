//! Two checkouts sharing one cargo target directory each get a site built from their own
//! files, by an xtask built from their own xtask sources. Before xtask found its workspace
//! at run time, the second checkout reused the xtask binary built in the first (same
//! sources, same target directory) and built the first checkout's site. And cargo reuses
//! that binary even when the second checkout's xtask sources differ (it records them by
//! relative path, and they are older than the binary): xtask then rebuilds itself.

use std::path::{Path, PathBuf};
use std::process::Command;

/// This checkout: `cargo test` sets `CARGO_MANIFEST_DIR` (xtask's folder) at run time.
fn this_checkout() -> PathBuf {
    let xtask = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test"));
    xtask.parent().unwrap().to_path_buf()
}

/// What `cargo xtask build --assets-only` needs of a checkout: the workspace manifests and
/// lock, the cargo alias, both packages' sources and the static files.
const CHECKOUT_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
    "xtask/Cargo.toml",
    "xtask/src",
    "src",
    "index.html",
    "bench.html",
    "www",
];

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// Runs `cargo xtask build --assets-only` in `checkout`; returns its site and stderr.
fn build_assets(checkout: &Path, target: &Path) -> (PathBuf, String) {
    let site = checkout.join("site");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(checkout)
        .args(["xtask", "build", "--assets-only", "--out"])
        .arg(&site)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "xtask build in {} failed:\n{stderr}",
        checkout.display()
    );
    (site, stderr)
}

/// xtask's first line of output (compiler warnings may come before it).
fn first_xtask_line(log: &str) -> &str {
    log.lines().find(|l| l.starts_with("xtask:")).unwrap_or("")
}

#[test]
fn each_checkout_builds_its_own_site_from_a_shared_target_directory() {
    let here = this_checkout();
    // Kept between runs (beside the outer build's outputs) so only xtask itself recompiles.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("target"))
        .join("two-checkouts");
    let tmp = std::env::temp_dir().join(format!("genlab-two-checkouts-{}", std::process::id()));
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    // Both copies exist before either builds, as two clones would: the second one's
    // sources are older than the xtask binary the first one builds.
    for c in [&a, &b] {
        for f in CHECKOUT_FILES {
            copy_tree(&here.join(f), &c.join(f));
        }
    }
    std::fs::write(b.join("www/only-in-b.txt"), "b").unwrap();
    // b's xtask differs from a's (as two commits' would).
    let ws = b.join("xtask/src/workspace.rs");
    let mut src = std::fs::read_to_string(&ws).unwrap();
    src.push_str("\n// This copy is checkout b's.\n");
    std::fs::write(&ws, src).unwrap();

    let (site_a, log_a) = build_assets(&a, &target);
    let (site_b, log_b) = build_assets(&b, &target);

    assert_eq!(
        first_xtask_line(&log_a),
        format!("xtask: workspace {}", a.display())
    );
    assert_eq!(
        first_xtask_line(&log_b),
        format!("xtask: workspace {}", b.display())
    );
    assert!(
        log_b.contains(&format!("rebuilding it from {}", b.display())),
        "b ran a's xtask without rebuilding:\n{log_b}"
    );
    assert!(
        site_b.join("www/only-in-b.txt").exists(),
        "b's site lacks b's file:\n{log_b}"
    );
    assert!(
        !site_a.join("www/only-in-b.txt").exists(),
        "a's site has b's file"
    );
    assert!(site_a.join("index.html").exists() && site_b.join("www/style.css").exists());
    std::fs::remove_dir_all(&tmp).unwrap();
}
