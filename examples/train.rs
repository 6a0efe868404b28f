//! `cargo xtask train <model|all> [--gpu] [--steps N] [--out DIR]`: runs a recipe from
//! `models::zoo` natively and writes `<model>.safetensors` and `<model>.json` (the
//! manifest) into `www/weights/` (or DIR). The committed weights come from this program.

use genlab::models::zoo::{all_recipes, recipe, Recipe};
use genlab::nn::weights;
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device};
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
                && (*i == 0 || !["--steps", "--out"].contains(&args[i - 1].as_str()))
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
    let out = flag("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www/weights"));
    std::fs::create_dir_all(&out).expect("create the output folder");
    for r in recipes {
        let steps = flag("--steps")
            .and_then(|s| s.parse().ok())
            .unwrap_or(r.steps);
        train_one(r, steps, &device, &out);
    }
}

fn train_one(r: &Recipe, steps: u64, device: &Device, out: &std::path::Path) {
    println!("{}: {} steps on {}", r.name, steps, device.name());
    let (net, mut trainer) = block_on(r.trainer(device)).expect("set up the trainer");
    let t0 = Instant::now();
    let mut last = f32::NAN;
    let mut smooth = 0.0f32;
    while trainer.step < steps {
        let n = (steps - trainer.step).min(50) as usize;
        let chunk = block_on(trainer.run(n, &|tape, p, step, dev| {
            r.loss(&net, r.beta, tape, p, step, dev)
        }))
        .unwrap_or_else(|e| panic!("{}: {e}", r.name));
        for m in &chunk.metrics {
            smooth = if m.step == 1 {
                m.loss
            } else {
                0.98 * smooth + 0.02 * m.loss
            };
            last = m.loss;
        }
        if trainer.step % 250 == 0 || trainer.step == steps {
            println!(
                "  step {:>5}  loss {:>10.4}  (smoothed {:>10.4})  {:.1} steps/s",
                trainer.step,
                last,
                smooth,
                trainer.step as f64 / t0.elapsed().as_secs_f64()
            );
        }
    }
    let bytes = block_on(weights::save(&trainer.params, &r.metadata(steps, smooth)))
        .expect("serialise the weights");
    std::fs::write(out.join(format!("{}.safetensors", r.name)), &bytes).expect("write weights");
    std::fs::write(
        out.join(format!("{}.json", r.name)),
        r.manifest(steps, smooth, &bytes),
    )
    .expect("write manifest");
    println!(
        "  wrote {} ({} KB) in {:.0} s",
        out.join(format!("{}.safetensors", r.name)).display(),
        bytes.len() / 1024,
        t0.elapsed().as_secs_f64()
    );
}
