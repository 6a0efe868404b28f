//! Which checkout xtask works on, decided at run time.
//!
//! One xtask binary may serve several checkouts: checkouts that share a cargo target
//! directory (CI keeps one between runs) reuse it when xtask's sources did not change, so a
//! path fixed at compile time (`env!("CARGO_MANIFEST_DIR")`) would point at whichever
//! checkout built it first. `cargo run` sets `CARGO_MANIFEST_DIR` in the environment of the
//! process it starts, to the xtask package of the checkout it was run in; without it (the
//! binary started by hand) the current directory is used.

use std::path::{Path, PathBuf};

/// The workspace root: the nearest folder at or above the starting point whose
/// `Cargo.toml` declares `[workspace]`.
pub fn find_root() -> Result<PathBuf, String> {
    let start = match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?,
    };
    workspace_above(&start).ok_or_else(|| {
        format!(
            "no Cargo workspace at or above {} (run `cargo xtask` inside a Genlab checkout)",
            start.display()
        )
    })
}

fn workspace_above(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|l| l.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::workspace_above;

    #[test]
    fn finds_the_nearest_workspace_manifest_above() {
        let tmp = std::env::temp_dir().join(format!("xtask-ws-{}", std::process::id()));
        let member = tmp.join("ws/xtask/src");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            tmp.join("ws/Cargo.toml"),
            "[workspace]\nmembers = [\"xtask\"]\n",
        )
        .unwrap();
        std::fs::write(
            tmp.join("ws/xtask/Cargo.toml"),
            "[package]\nname = \"xtask\"\n",
        )
        .unwrap();
        assert_eq!(workspace_above(&member), Some(tmp.join("ws")));
        assert_eq!(workspace_above(&tmp.join("ws/xtask")), Some(tmp.join("ws")));
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
