//! `cargo xtask build`: the page and the engine compiled for wasm (cargo → page split →
//! wasm-bindgen in-process → wasm-opt), the static files, and the later lessons' bodies
//! rendered at build time, into one site folder.

use super::*;

pub fn ensure_wasm_target() -> Result {
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
pub fn cmd_build(args: &[String]) -> Result<PathBuf> {
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
