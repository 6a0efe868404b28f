//! `cargo xtask train <model|all> [--gpu] [--steps N] [--out DIR] [--max-seconds S]
//! [--init FILE]`: runs a recipe from `models::zoo` natively and writes
//! `<model>.safetensors` and `<model>.json` (the manifest) into `www/weights/` (or DIR).
//! The committed weights come from this program.
//!
//! Long runs write a checkpoint every two minutes, so a run that is killed keeps its work;
//! `--max-seconds` ends a run early (the manifest records the steps it reached) and
//! `--init` continues from a checkpoint (the weights and their step count; the optimiser
//! starts afresh). Recipes with `ema` set save an exponential moving average of the
//! weights, taken at every chunk boundary, rather than the last weights.

use genlab::models::zoo::{self, all_recipes, recipe, Recipe};
use genlab::nn::{weights, Params};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, Tensor};
use genlab::train::Trainer;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let names: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0
                    || !["--steps", "--out", "--max-seconds", "--init"]
                        .contains(&args[i - 1].as_str()))
        })
        .map(|(_, a)| a.as_str())
        .collect();
    let recipes: Vec<&Recipe> = if names.is_empty() || names.contains(&"all") {
        all_recipes().collect()
    } else {
        names
            .iter()
            .map(|n| {
                recipe(n).unwrap_or_else(|| {
                    let known: Vec<_> = all_recipes().map(|r| r.name).collect();
                    eprintln!("train: no model called '{n}'; known: {}", known.join(", "));
                    std::process::exit(2)
                })
            })
            .collect()
    };
    let device = if args.iter().any(|a| a == "--gpu") {
        match block_on(Gpu::new()) {
            Ok(g) => Device::Gpu(g),
            Err(e) => {
                eprintln!("train: no GPU ({e}); training on the CPU");
                Device::Cpu
            }
        }
    } else {
        Device::Cpu
    };
    let out = flag("--out").map(PathBuf::from).unwrap_or_else(|| {
        // This checkout's weights: `cargo run` sets CARGO_MANIFEST_DIR at run time (a
        // compile-time path would name the checkout that first built this binary).
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
            .join("www/weights")
    });
    std::fs::create_dir_all(&out).expect("create the output folder");
    let max_seconds: f64 = flag("--max-seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::INFINITY);
    let init = flag("--init").map(PathBuf::from);
    for r in recipes {
        let steps = flag("--steps")
            .and_then(|s| s.parse().ok())
            .unwrap_or(r.steps);
        let opts = Opts {
            steps,
            max_seconds,
            init: init.clone(),
        };
        train_one(r, &opts, &device, &out);
    }
}

struct Opts {
    steps: u64,
    max_seconds: f64,
    init: Option<PathBuf>,
}

/// An exponential moving average of the weights, kept on the CPU. The decay warms up as
/// (1 + n) / (10 + n) over the first updates, so the starting weights fade out quickly.
struct Ema {
    decay: f32,
    updates: u32,
    values: Vec<Vec<f32>>,
}

impl Ema {
    fn update(&mut self, params: &Params) {
        self.updates += 1;
        let n = self.updates as f32;
        let decay = self.decay.min((1.0 + n) / (10.0 + n));
        for (avg, v) in self.values.iter_mut().zip(&params.values) {
            let now = block_on(v.to_vec()).expect("read the snapshot");
            for (a, x) in avg.iter_mut().zip(now) {
                *a = decay * *a + (1.0 - decay) * x;
            }
        }
    }

    fn params(&self, like: &Params) -> Params {
        let mut p = Params::default();
        for ((name, v), avg) in like.names.iter().zip(&like.values).zip(&self.values) {
            p.add(
                name.clone(),
                Tensor::new(avg.clone(), v.shape(), &Device::Cpu).expect("EMA tensor"),
            );
        }
        p
    }
}

fn train_one(r: &Recipe, opts: &Opts, device: &Device, out: &std::path::Path) {
    let steps = opts.steps;
    println!("{}: {} steps on {}", r.name, steps, device.name());
    let (net, mut trainer) = block_on(r.trainer(device)).expect("set up the trainer");
    // Where the run started, for the manifest: a run that goes on from a file says so.
    let mut init = None;
    if let Some(path) = &opts.init {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut cpu = block_on(trainer.params.to_cpu()).expect("weights to the CPU");
        let meta = weights::load_into(&mut cpu, &bytes, &Device::Cpu)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        trainer.params = cpu.to_device(device);
        trainer.step = meta.get("steps").and_then(|s| s.parse().ok()).unwrap_or(0);
        init = Some(format!(
            "{} at step {} (fnv1a64 {:016x})",
            path.display(),
            trainer.step,
            zoo::fnv1a64(&bytes)
        ));
        println!(
            "  continuing from {} at step {}",
            path.display(),
            trainer.step
        );
    }
    let mut ema = r.ema.map(|decay| Ema {
        decay,
        updates: 0,
        values: trainer
            .params
            .values
            .iter()
            .map(|v| block_on(v.to_vec()).expect("read weights"))
            .collect(),
    });
    let chunk_len = if ema.is_some() { 10 } else { 50 };
    let t0 = Instant::now();
    let mut last_checkpoint = Instant::now();
    let mut last = f32::NAN;
    let mut smooth = 0.0f32;
    let first = trainer.step;
    while trainer.step < steps && t0.elapsed().as_secs_f64() < opts.max_seconds {
        let n = (steps - trainer.step).min(chunk_len) as usize;
        let chunk = block_on(trainer.run_groups(n, &|g, tape, p, step, dev| {
            r.group_loss(&net, r.beta, g, tape, p, step, dev)
        }))
        .unwrap_or_else(|e| panic!("{}: {e}", r.name));
        for m in &chunk.metrics {
            smooth = if m.step == first + 1 {
                m.loss
            } else {
                0.98 * smooth + 0.02 * m.loss
            };
            last = m.loss;
        }
        if let Some(e) = &mut ema {
            e.update(trainer.snapshot_params().1);
        }
        if trainer.step % 250 == 0 || trainer.step == steps {
            println!(
                "  step {:>5}  loss {:>10.4}  (smoothed {:>10.4})  {:.1} steps/s",
                trainer.step,
                last,
                smooth,
                (trainer.step - first) as f64 / t0.elapsed().as_secs_f64()
            );
        }
        if last_checkpoint.elapsed().as_secs() >= 120 {
            write(r, &trainer, ema.as_ref(), smooth, init.as_deref(), out);
            last_checkpoint = Instant::now();
        }
    }
    if let Device::Gpu(g) = device {
        if let Some((total, rows)) = g.profile_report(30) {
            println!(
                "  GPU profile: {total:.2} s waiting on kernels of {:.2} s",
                t0.elapsed().as_secs_f64()
            );
            print!("{rows}");
        }
    }
    let (path, kb) = write(r, &trainer, ema.as_ref(), smooth, init.as_deref(), out);
    println!(
        "  wrote {} ({kb} KB) at step {} in {:.0} s",
        path.display(),
        trainer.step,
        t0.elapsed().as_secs_f64()
    );
}

/// Writes the weights (the EMA where the recipe keeps one) and the manifest.
fn write(
    r: &Recipe,
    trainer: &Trainer,
    ema: Option<&Ema>,
    smooth: f32,
    init: Option<&str>,
    out: &std::path::Path,
) -> (PathBuf, usize) {
    let (_, snapshot) = trainer.snapshot_params();
    let averaged = ema.map(|e| e.params(snapshot));
    let params = averaged.as_ref().unwrap_or(snapshot);
    let steps = trainer.step;
    let shipped = r.shipped_params(params);
    let bytes =
        block_on(weights::save(&shipped, &r.metadata(steps, smooth))).expect("serialise weights");
    let path = out.join(format!("{}.safetensors", r.name));
    std::fs::write(&path, &bytes).expect("write weights");
    std::fs::write(
        out.join(format!("{}.json", r.name)),
        r.manifest(steps, smooth, &bytes, init),
    )
    .expect("write manifest");
    (path, bytes.len() / 1024)
}
