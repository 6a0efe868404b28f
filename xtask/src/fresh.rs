//! Whether this xtask binary was built from this checkout's xtask sources.
//!
//! Cargo records a workspace member's sources by paths relative to the workspace and gives
//! the member the same output name in every checkout. Two checkouts that share a target
//! directory so share one xtask binary: after a checkout with other xtask sources built
//! it, cargo can still find it fresh here (these sources are older than the binary) and run
//! it, with that other checkout's code. So each binary carries its own sources; at start it
//! compares them with this checkout's and, if they differ, touches the differing files (so
//! cargo rebuilds) and runs `cargo xtask` again, once.

use std::path::Path;
use std::process::{Command, ExitCode};

/// The sources this binary was compiled from, by path in the workspace. A test checks that
/// every file of `xtask/src` is here.
pub const SOURCES: &[(&str, &str)] = &[
    ("xtask/Cargo.toml", include_str!("../Cargo.toml")),
    ("xtask/src/build.rs", include_str!("build.rs")),
    ("xtask/src/fresh.rs", include_str!("fresh.rs")),
    ("xtask/src/main.rs", include_str!("main.rs")),
    ("xtask/src/offline.rs", include_str!("offline.rs")),
    ("xtask/src/python.rs", include_str!("python.rs")),
    ("xtask/src/serve.rs", include_str!("serve.rs")),
    ("xtask/src/sizes.rs", include_str!("sizes.rs")),
    ("xtask/src/split.rs", include_str!("split.rs")),
    ("xtask/src/workspace.rs", include_str!("workspace.rs")),
];

/// Set in the environment of the run started after a rebuild, so it is tried only once.
const REBUILT: &str = "GENLAB_XTASK_REBUILT";

/// The files of `root`'s xtask that differ from what this binary was built from.
pub fn stale_sources(root: &Path) -> Vec<&'static str> {
    SOURCES
        .iter()
        .filter(|(path, built)| {
            std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(*built)
        })
        .map(|(path, _)| *path)
        .collect()
}

/// `None` when this binary was built from `root`'s sources. Otherwise rebuilds xtask from
/// them and runs it again with `args`, returning its exit code.
pub fn rebuild_if_stale(root: &Path, args: &[String]) -> Option<ExitCode> {
    let stale = stale_sources(root);
    if stale.is_empty() {
        return None;
    }
    if std::env::var_os(REBUILT).is_some() {
        eprintln!(
            "xtask: error: still not built from {}'s sources after a rebuild ({} differ); try `cargo clean -p xtask`",
            root.display(),
            stale.join(", ")
        );
        return Some(ExitCode::FAILURE);
    }
    eprintln!(
        "xtask: this binary was built from another checkout's xtask sources ({} differ); rebuilding it from {}",
        stale.join(", "),
        root.display()
    );
    let now = std::time::SystemTime::now();
    for path in &stale {
        if let Ok(f) = std::fs::File::options().append(true).open(root.join(path)) {
            let _ = f.set_modified(now);
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(args)
        .env(REBUILT, "1")
        .env_remove("CARGO_MANIFEST_DIR")
        .status();
    Some(match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_file_is_carried_and_matches_this_checkout() {
        let xtask = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
        for e in std::fs::read_dir(xtask.join("src")).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            let path = format!("xtask/src/{name}");
            assert!(
                SOURCES.iter().any(|(p, _)| *p == path),
                "{path} is not in fresh::SOURCES"
            );
        }
        // This test binary was built from the checkout it runs in.
        assert_eq!(stale_sources(xtask.parent().unwrap()), Vec::<&str>::new());
    }
}
