//! The Python environment of the export test (`tests/torch_export.rs`): a virtual
//! environment in the target directory with pinned numpy and pip's safetensors (no torch),
//! made the first time it is needed, as the test runner is installed.

use super::{output, run, target_dir, Result};
use std::path::PathBuf;
use std::process::Command;

/// The pinned packages (wheels exist for Debian's Python 3.11 on x86-64 and arm64).
const PACKAGES: &[&str] = &["numpy==1.26.4", "safetensors==0.4.5"];

/// The environment's interpreter, made and filled if it is missing or incomplete.
pub fn ensure_env() -> Result<PathBuf> {
    let dir = target_dir().join("python");
    let py = dir.join("bin/python");
    let ready = |py: &PathBuf| {
        output(Command::new(py).args(["-c", "import numpy, safetensors.numpy"])).is_some()
    };
    if py.exists() && ready(&py) {
        return Ok(py);
    }
    eprintln!(
        "xtask: making the Python environment of the export test in {}",
        dir.display()
    );
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir)).map_err(|e| {
        format!("{e}\n(python3 with its venv module is needed: apt-get install python3-venv)")
    })?;
    run(Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PACKAGES))
    .map_err(|e| format!("{e}\n(installing {} needs PyPI once)", PACKAGES.join(" ")))?;
    if !ready(&py) {
        return Err(format!(
            "{} cannot import numpy and safetensors",
            py.display()
        ));
    }
    Ok(py)
}
