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

mod fresh;
mod offline;
mod python;
mod serve;
mod sizes;
mod split;
mod workspace;

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

fn ensure_wasm_target() -> Result {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    eprintln!("xtask: adding the {TARGET} target");
    run(Command::new("rustup").args(["target", "add", TARGET]))
}

/// Builds the site into `out` and returns its path. `--assets-only` copies the page's
/// static files without building the wasm (quick; the two-checkout test uses it).
fn cmd_build(args: &[String]) -> Result<PathBuf> {
    let root = root();
    let out = flag_value(args, "--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("dist"));
    if args.iter().any(|a| a == "--assets-only") {
        // The built parts (wasm, the later lessons' bodies) stay; the rest is copied anew.
        let keep =
            ["pkg", "lessons"].map(|d| (out.join(d), target_dir().join(format!("kept-{d}"))));
        for (from, to) in &keep {
            let _ = std::fs::remove_dir_all(to);
            let _ = std::fs::rename(from, to);
        }
        copy_assets(&out)?;
        for (to, from) in &keep {
            let _ = std::fs::rename(from, to);
        }
    } else {
        let release = !args.iter().any(|a| a == "--dev");
        if release {
            // npm's binaryen: without wasm-opt the size table would not be the site's.
            ensure_node_modules(false)?;
        }
        build_site(&out, release)?;
    }
    eprintln!("xtask: site written to {}", out.display());
    Ok(out)
}

pub fn build_site(out: &Path, release: bool) -> Result {
    let (pkg, rendered) = build_wasm(release)?;
    copy_assets(out)?;
    // The two builds' glue and wasm, the page's chunks and their link module.
    copy_dir(&pkg, &out.join("pkg"))?;
    // The later lessons' steps, which the page fetches when a lesson is first shown.
    copy_bodies(&rendered, &out.join("lessons"))?;
    // The service worker that keeps the site working offline, knowing every file above.
    offline::write_service_worker(out)?;
    let rows = sizes::compress_site(out)?;
    eprint!(
        "xtask: sizes (.gz and .br written beside each)\n{}",
        sizes::table(&rows)
    );
    Ok(())
}

/// The browser's two builds of the crate: (cargo feature, output name). The page
/// (`index.html` loads `pkg/genlab.js`) and the engine its worker loads
/// (`www/engine.js` → `pkg/genlab_engine.js`; `bench.html` too).
/// The page is built for size throughout (cargo profile `page`); the engine keeps
/// `release`, where our own code is compiled for speed.
const BUILDS: [(&str, &str, &str); 2] = [
    ("page", "genlab", "page"),
    ("engine", "genlab_engine", "release"),
];

/// `build.rs`'s rendered lessons (`OUT_DIR/lessons`) of the build whose cargo JSON
/// messages are `json`.
fn rendered_lessons(json: &str) -> Option<PathBuf> {
    json.lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "build-script-executed")
        .filter(|v| {
            v["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("#genlab@") || id.contains(" genlab "))
        })
        .find_map(|v| {
            v["out_dir"]
                .as_str()
                .map(|d| PathBuf::from(d).join("lessons"))
        })
}

/// The `*.body.postcard` files of `from` into `to`.
fn copy_bodies(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".body.postcard") {
            copy(&e.path(), &to.join(&name))?;
        }
    }
    Ok(())
}

/// For each of [`BUILDS`]: cargo → wasm-bindgen (in-process) → wasm-opt; returns the
/// `pkg/` folder written, and the page build's rendered lessons.
fn build_wasm(release: bool) -> Result<(PathBuf, PathBuf)> {
    let root = root();
    ensure_wasm_target()?;
    let pkg = root.join("pkg");
    let _ = std::fs::remove_dir_all(&pkg);
    let mut rendered = None;
    for (feature, name, release_profile) in BUILDS {
        let mut cargo = cargo();
        cargo.current_dir(&root).args([
            "build",
            "--lib",
            "-p",
            "genlab",
            "--target",
            TARGET,
            "--no-default-features",
            "--features",
            feature,
        ]);
        let profile = if release { release_profile } else { "debug" };
        if release {
            cargo.args(["--profile", profile]);
        }
        let page = release && feature == "page";
        if page {
            // Leptos type-erases every view and reactive closure under `erase_components`,
            // so its rendering code is compiled once per output type instead of once per
            // widget's closure: a much smaller page. `split::RUSTFLAGS` mark the later
            // lessons' widgets as chunks and keep what splitting needs. (Joined to the
            // target's flags in .cargo/config.toml; the page's profile keeps its own cache.)
            let flags: Vec<String> = ["--cfg", "erase_components"]
                .iter()
                .chain(split::RUSTFLAGS.iter())
                .map(|f| format!("{f:?}"))
                .collect();
            cargo.args([
                "--config",
                &format!("target.{TARGET}.rustflags=[{}]", flags.join(", ")),
            ]);
        }
        if feature == "page" {
            // Its messages name build.rs's OUT_DIR, where the lessons are rendered.
            cargo.arg("--message-format=json-render-diagnostics");
            eprintln!("xtask: $ {cargo:?}");
            let o = cargo
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| format!("could not start cargo: {e}"))?;
            if !o.status.success() {
                return Err(format!("the page build failed ({})", o.status));
            }
            rendered = rendered_lessons(&String::from_utf8_lossy(&o.stdout));
        } else {
            run(&mut cargo)?;
        }
        let mut wasm = target_dir().join(TARGET).join(profile).join("genlab.wasm");
        std::fs::create_dir_all(&pkg).map_err(|e| e.to_string())?;
        let mut chunks = Vec::new();
        if page {
            (wasm, chunks) = split::split(&wasm, &pkg, name)?;
        }
        // JS glue, generated in-process by the wasm-bindgen version pinned in Cargo.lock.
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(&wasm)
            .out_name(name)
            .web(true)
            .map_err(|e| format!("wasm-bindgen: {e}"))?
            .typescript(false)
            // The chunks import the function table the linker exported.
            .keep_lld_exports(page)
            .generate(&pkg)
            .map_err(|e| format!("wasm-bindgen: {e}"))?;
        if release {
            optimise(&pkg.join(format!("{name}_bg.wasm")));
            for chunk in &chunks {
                optimise(chunk);
            }
        }
    }
    let rendered = rendered.ok_or("cargo did not say where build.rs rendered the lessons")?;
    Ok((pkg, rendered))
}

/// A fresh `out` holding the page shell and `www/` of this checkout.
fn copy_assets(out: &Path) -> Result {
    let root = root();
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    copy(&root.join("index.html"), &out.join("index.html"))?;
    copy(&root.join("bench.html"), &out.join("bench.html"))?;
    copy_dir(&root.join("www"), &out.join("www"))?;
    std::fs::write(out.join(".nojekyll"), "").map_err(|e| e.to_string())
}

/// `wasm-opt -Oz` with npm's binaryen (>= 132). Debian's binaryen 108 corrupts
/// wasm-bindgen 0.2.130 output, so an older wasm-opt is never used.
fn optimise(wasm: &Path) {
    let root = root();
    let candidates = [
        root.join("node_modules/.bin/wasm-opt"),
        PathBuf::from("wasm-opt"),
    ];
    for c in candidates {
        let Some(v) = output(Command::new(&c).arg("--version")) else {
            continue;
        };
        let ver: u32 = v
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if ver < 132 {
            eprintln!(
                "xtask: skipping {} (version {ver} < 132 is known to corrupt the output)",
                c.display()
            );
            continue;
        }
        let tmp = wasm.with_extension("opt.wasm");
        let st = Command::new(&c)
            .arg("-Oz")
            .args([
                "--enable-simd",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
            ])
            .args([
                "--enable-reference-types",
                "--enable-multivalue",
                "--enable-mutable-globals",
            ])
            .arg(wasm)
            .arg("-o")
            .arg(&tmp)
            .status();
        match st {
            Ok(s) if s.success() => {
                let _ = std::fs::rename(&tmp, wasm);
                eprintln!("xtask: wasm-opt -Oz done ({})", c.display());
            }
            _ => eprintln!("xtask: wasm-opt failed; keeping the unoptimised wasm"),
        }
        return;
    }
    eprintln!("xtask: no wasm-opt >= 132 found (run `npm ci` for npm's binaryen); the wasm is not size-optimised");
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for e in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()))?;
        } else {
            copy(&p, &to.join(e.file_name()))?;
        }
    }
    Ok(())
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
