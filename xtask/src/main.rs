//! `cargo xtask <command>`: build, serve, test and bench Genlab with nothing installed
//! globally but Rust, Node.js and Chromium (see README.md).
//!
//!   build [--out DIR] [--dev]    the static site (wasm + glue + assets) into DIR (dist/);
//!         [--assets-only]        only the static files (no wasm build)
//!   serve [--port N] [--host H]  build, then serve on http://127.0.0.1:8080
//!   test                         native tests, browser tests, end-to-end tests
//!   bench                        benchmark table
//!   shots [--webgpu] [--lesson ID] [--out DIR]
//!                                a PNG of every step at 1280 and 375 px, with an index page
//!   train <model|all> [--gpu]    train lessons' networks natively; weights into www/weights/

mod build;
mod fresh;
mod offline;
mod python;
mod serve;
mod sizes;
mod split;
mod workspace;

use build::{build_site, cmd_build, ensure_wasm_target};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
const TARGET: &str = "wasm32-unknown-unknown";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    eprintln!("xtask: workspace {}", root().display());
    if let Some(code) = fresh::rebuild_if_stale(&root(), &args) {
        return code;
    }
    let r = match args.first().map(String::as_str) {
        Some("build") => cmd_build(&args[1..]).map(|_| ()),
        Some("serve") => cmd_serve(&args[1..]),
        Some("test") => cmd_test(&args[1..]),
        Some("bench") => cmd_bench(),
        Some("shots") => cmd_shots(&args[1..]),
        Some("train") => cmd_train(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <build [--out DIR] [--dev] [--assets-only] | serve [--port N] [--host H] | test [--no-e2e] | bench | shots [--webgpu] [--lesson ID] [--out DIR] | train <model|all> [--gpu] [--steps N]>");
            Err("no command".into())
        }
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The checkout this run works on, found at run time (see `workspace.rs`); never a path
/// fixed when xtask was compiled, since one xtask binary serves every checkout that shares
/// a target directory.
pub fn root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        workspace::find_root().unwrap_or_else(|e| {
            eprintln!("xtask: error: {e}");
            std::process::exit(1)
        })
    })
    .clone()
}

/// The cargo that runs us (`$CARGO`, set by `cargo run`), else the one on PATH.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Cargo's build directory: `$CARGO_TARGET_DIR` when set (CI keeps one between runs), else
/// `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    let st = cmd
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({st})"))
    }
}

fn output(cmd: &mut Command) -> Option<String> {
    let o = cmd.output().ok()?;
    o.status.success().then(|| {
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    })
}

fn cmd_serve(args: &[String]) -> Result {
    let port: u16 = flag_value(args, "--port")
        .map(|p| p.parse().map_err(|_| format!("bad port {p}")))
        .transpose()?
        .unwrap_or(8080);
    let host = flag_value(args, "--host").unwrap_or_else(|| "127.0.0.1".into());
    let out = root().join("dist");
    if !args.iter().any(|a| a == "--no-build") {
        ensure_node_modules(false)?;
        build_site(&out, true)?;
    }
    let server = serve::Server::start(&host, port, &out)?;
    eprintln!(
        "xtask: serving {} at http://{}/ (Ctrl-C stops)",
        out.display(),
        server.addr
    );
    server.join();
    Ok(())
}

/// The npm packages the build and the tests use (package.json's devDependencies).
const NODE_PACKAGES: [&str; 3] = ["playwright-core", "binaryen", "axe-core"];

/// Installs the npm packages (playwright-core, binaryen, axe-core) from package-lock.json.
fn ensure_node_modules(required: bool) -> Result {
    let root = root();
    if NODE_PACKAGES
        .iter()
        .all(|p| root.join("node_modules").join(p).exists())
    {
        return Ok(());
    }
    let r = run(Command::new("npm")
        .current_dir(&root)
        .args(["ci", "--no-audit", "--no-fund"]));
    match r {
        Err(e) if !required => {
            eprintln!("xtask: npm ci failed ({e}); continuing without wasm-opt");
            Ok(())
        }
        r => r,
    }
}

fn ensure_test_runner() -> Result {
    let v = output(Command::new("wasm-bindgen-test-runner").arg("--version")).unwrap_or_default();
    if v.contains(WASM_BINDGEN_VERSION) {
        return Ok(());
    }
    eprintln!(
        "xtask: installing wasm-bindgen-test-runner {WASM_BINDGEN_VERSION} (a few minutes, once)"
    );
    run(cargo().args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        WASM_BINDGEN_VERSION,
    ]))
}

fn find_exe(names: &[&str]) -> Option<PathBuf> {
    names.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Debian's Chromium, which the browser tests, the end-to-end specs and `shots` drive.
fn chromium() -> Result<PathBuf> {
    find_exe(&["/usr/bin/chromium", "/usr/bin/chromium-browser"])
        .ok_or_else(|| "Chromium not found: apt-get install chromium chromium-driver".into())
}

/// Builds the release site into `<target>/<name>` and serves it on a free local port, for
/// a headless Chromium to open: the server (serving while it lives) and its URL.
fn serve_built_site(name: &str) -> Result<(serve::Server, String)> {
    ensure_node_modules(true)?;
    let out = target_dir().join(name);
    build_site(&out, true)?;
    let server = serve::Server::start("127.0.0.1", 0, &out)?;
    let url = format!("http://{}/", server.addr);
    Ok((server, url))
}

fn cmd_test(args: &[String]) -> Result {
    let root = root();
    let started = std::time::Instant::now();
    eprintln!("xtask: [1/3] native tests");
    let python = python::ensure_env()?;
    run(cargo()
        .current_dir(&root)
        .args(["test", "--workspace"])
        .env("GENLAB_PYTHON", &python))?;

    let chromium = chromium()?;
    let chromedriver = find_exe(&["/usr/bin/chromedriver"])
        .ok_or("chromedriver not found: apt-get install chromium-driver")?;

    eprintln!("xtask: [2/3] browser tests (wasm-bindgen-test in headless Chromium)");
    ensure_wasm_target()?;
    ensure_test_runner()?;
    run(cargo()
        .current_dir(&root)
        .args(["test", "--target", TARGET, "--test", "web"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", &chromedriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "180"))?;

    if args.iter().any(|a| a == "--no-e2e") {
        return Ok(());
    }
    eprintln!("xtask: [3/3] end-to-end tests (Playwright, headless Chromium)");
    let (_server, url) = serve_built_site("e2e-site")?;
    let mut specs: Vec<String> = std::fs::read_dir(root.join("tests/e2e"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".test.mjs"))
        .map(|n| format!("tests/e2e/{n}"))
        .collect();
    specs.sort();
    let r = run(Command::new("node")
        .current_dir(&root)
        .args(["--test", "--test-concurrency=1"])
        .args(&specs)
        .env("GENLAB_URL", &url)
        .env("CHROMIUM", &chromium));
    eprintln!(
        "xtask: all tests took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    r
}

/// Native rows, then the in-page rows (CPU wasm and WebGPU in headless Chromium), then
/// the TensorFlow.js peer of `../shared/peer-bench` in the same invocation, with ratios.
/// Runs the training recipes (`src/models/zoo.rs`) natively in a release build; the
/// program writes `<model>.safetensors` and `<model>.json` into `www/weights/`.
fn cmd_train(args: &[String]) -> Result {
    run(cargo()
        .current_dir(root())
        .args([
            "run",
            "--release",
            "-p",
            "genlab",
            "--example",
            "train",
            "--",
        ])
        .args(args))
}

/// Screenshots of every step of every lesson (or one, with `--lesson`) at 1280 and 375 px,
/// on the CPU path or, with `--webgpu`, on WebGPU; writes PNGs and `index.html` into
/// `--out` (default `target/shots[-webgpu]` in the target directory).
fn cmd_shots(args: &[String]) -> Result {
    let root = root();
    let webgpu = args.iter().any(|a| a == "--webgpu");
    let out = flag_value(args, "--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join(if webgpu { "shots-webgpu" } else { "shots" }));
    let chromium = chromium()?;
    let (_server, url) = serve_built_site("shots-site")?;
    let mut node = Command::new("node");
    node.current_dir(&root)
        .arg("tests/e2e/shots.mjs")
        .arg(&out)
        .env("GENLAB_URL", &url)
        .env("CHROMIUM", &chromium);
    if webgpu {
        node.arg("--webgpu");
    }
    if let Some(l) = flag_value(args, "--lesson") {
        node.args(["--lesson", &l]);
    }
    run(&mut node)?;
    eprintln!("xtask: open {}", out.join("index.html").display());
    Ok(())
}

/// Where and when figures were taken, for `BENCHMARKS.md`: date, commit and host.
fn bench_identity() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let commit = output(
        Command::new("git")
            .current_dir(root())
            .args(["describe", "--always", "--dirty"]),
    )
    .map(|s| s.trim().to_string())
    .unwrap_or_else(|| "unknown".into());
    let date = output(Command::new("date").args(["-u", "+%Y-%m-%d"]))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    format!("{date}, commit {commit}, host {cpu} ({cores} cores)")
}

fn cmd_bench() -> Result {
    let root = root();
    eprintln!("xtask: bench run {}", bench_identity());
    run(cargo().current_dir(&root).args([
        "run",
        "--release",
        "-p",
        "genlab",
        "--example",
        "bench",
    ]))?;
    let (_server, url) = serve_built_site("bench-site")?;
    let peer = root.join("../shared/peer-bench/run.sh");
    let peer_dir = std::env::var("PEER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/peer-bench")
        });
    if peer.exists() {
        eprintln!(
            "xtask: running the TensorFlow.js peer (first run installs it into {})",
            peer_dir.display()
        );
        if let Err(e) = run(Command::new("bash").arg(&peer).arg("wasm")) {
            eprintln!("xtask: the peer benchmark failed ({e}); our rows follow without ratios");
        }
    } else {
        eprintln!("xtask: ../shared/peer-bench not found; printing our rows only");
    }
    run(Command::new("node")
        .current_dir(&root)
        .arg("tests/bench/run.mjs")
        .arg(&url)
        .arg(peer_dir.join("results.json")))
}
