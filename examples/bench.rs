//! `cargo xtask bench`: timings of the lessons' workloads on this machine's CPU (native,
//! release build), after the tensor engine's peer workloads on the CPU and on the GPU.
//! `cargo run --release --example bench -- --gans-only` (or `--diffusion-only`): one
//! lesson's rows alone, on the CPU and on the GPU if there is one.

use genlab::data::draw::rasterise;
use genlab::data::land::LandMap;
use genlab::data::{PData, Rng};
use genlab::models::density2d::{mean_log_likelihood, Kde, Mixture};
use genlab::models::diffusion::{ImageRun, BENCH_JOB};
use genlab::models::pixel::{correlation_with, PixelModel};
use genlab::models::tabular::{kl, NaiveBayes};
use genlab::models::zoo::{self, schedule_unet};
use genlab::nn::peer::{uniform_pm1, PeerMlp};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, Tensor};
use std::hint::black_box;
use std::time::Instant;

fn time<T>(name: &str, unit: &str, per: f64, mut f: impl FnMut() -> T) {
    black_box(f()); // warm up
    let mut reps = 0u32;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < 0.5 || reps < 3 {
        black_box(f());
        reps += 1;
    }
    let secs = start.elapsed().as_secs_f64() / reps as f64;
    println!(
        "| {name:<44} | {:>10.3} | {:>12.1} {unit:<10} |",
        secs * 1e3,
        per / secs
    );
}

/// Seconds per call of `f`, after a warm-up, over at least 0.5 s and 3 calls.
fn seconds(mut f: impl FnMut()) -> f64 {
    f();
    let mut reps = 0u32;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < 0.5 || reps < 3 {
        f();
        reps += 1;
    }
    start.elapsed().as_secs_f64() / reps as f64
}

/// The peer workloads of `shared/peer-bench`: f32 matmul, and one Adam step of an MLP
/// 784-256-256-784 on a batch of 128 with an MSE loss.
fn engine_rows(device: &Device, label: &str) {
    let sync = |t: &Tensor| {
        if let Device::Gpu(g) = device {
            g.wait_idle();
        }
        black_box(t);
    };
    // N = 2048 on hardware GPUs only (the peak-fraction target); a software one takes minutes.
    let hardware = matches!(device, Device::Gpu(g) if !g.software);
    let sizes: &[usize] = if hardware {
        &[256, 512, 1024, 2048]
    } else {
        &[256, 512, 1024]
    };
    for &n in sizes {
        let a = uniform_pm1(&[n, n], 1, device);
        let b = uniform_pm1(&[n, n], 2, device);
        let s = seconds(|| sync(&a.matmul(&b).unwrap()));
        println!(
            "| {:<44} | {:>10.3} | {:>12.1} {:<10} |",
            format!("matmul N = {n}, {label}"),
            s * 1e3,
            2.0 * (n * n * n) as f64 / s / 1e9,
            "GFLOP/s"
        );
    }
    let mut mlp = PeerMlp::new(device);
    let s = seconds(|| sync(&mlp.step().unwrap()));
    println!(
        "| {:<44} | {:>10.3} | {:>12.1} {:<10} |",
        format!("MLP 784-256-256-784 Adam step, {label}"),
        s * 1e3,
        1.0 / s,
        "steps/s"
    );
}

/// Lesson 10's U-Net: one training step (the recipe's batch, Adam, readback of the loss)
/// and guided DDIM sampling of 16 avatars (32 images through the network per step).
fn diffusion_rows(device: &Device, label: &str) {
    let r = zoo::recipe("avatar-unet").expect("recipe");
    let (net, mut trainer) = block_on(r.trainer(device)).expect("trainer");
    let mut run = |n: usize| {
        block_on(trainer.run(n, &|tape, p, step, dev| {
            r.loss(&net, r.beta, tape, p, step, dev)
        }))
        .expect("train")
    };
    run(2);
    // Up to 20 steps, fewer where a step takes seconds (the CPU, a software GPU).
    let t0 = Instant::now();
    let mut steps = 0;
    while steps < 20 && (steps < 2 || t0.elapsed().as_secs_f64() < 5.0) {
        run(1);
        steps += 1;
    }
    let per = t0.elapsed().as_secs_f64() / steps as f64;
    println!(
        "| {:<44} | {:>10.3} | {:>12.1} {:<10} |",
        format!("U-Net train step, batch {}, {label}", r.batch),
        per * 1e3,
        1.0 / per,
        "steps/s"
    );
    let Some(m) = net.get::<genlab::models::diffusion::Unet>().cloned() else {
        return;
    };
    let params = trainer.params.clone();
    let s = schedule_unet();
    let job = BENCH_JOB;
    let mut warm = ImageRun::new(&job, s, device);
    warm.step(&m, &params, s).expect("warm-up step");
    block_on(warm.x.to_vec()).expect("read");
    // All 50 steps where they are fast; where a step takes seconds (the CPU, a software
    // GPU), as many as fit in about 10 s (at least 3), scaled to 50.
    let t0 = Instant::now();
    let mut run = ImageRun::new(&job, s, device);
    let mut measured = 0;
    let mut recording = 0.0;
    while !run.finished() && (measured < 3 || t0.elapsed().as_secs_f64() < 10.0) {
        let r0 = Instant::now();
        run.step(&m, &params, s).expect("step");
        recording += r0.elapsed().as_secs_f64();
        block_on(run.x.to_vec()).expect("read");
        measured += 1;
    }
    let secs = t0.elapsed().as_secs_f64() * 50.0 / measured as f64;
    if matches!(device, Device::Gpu(_)) {
        // On the GPU, `step` only records and submits work: its own time is the CPU's
        // share (building the graph, buffers, bind groups), the rest is waiting.
        println!(
            "| {:<44} | {:>10.3} | {:>12.1} {:<10} |",
            format!("  of which recording on the CPU, {label}"),
            recording * 50.0 / measured as f64 * 1e3,
            100.0 * recording / t0.elapsed().as_secs_f64(),
            "% of time"
        );
    }
    println!(
        "| {:<44} | {:>10.3} | {:>12.1} {:<10} |",
        format!("16 avatars × 50 DDIM steps, w = 3, {label}"),
        secs * 1e3,
        16.0 / secs,
        "images/s"
    );
}

fn main() {
    if std::env::args().any(|a| a == "--gans-only") {
        gan_rows(&Device::Cpu, "CPU");
        if let Ok(g) = block_on(Gpu::new()) {
            let label = g.adapter.clone();
            gan_rows(&Device::Gpu(g), &label);
        }
        return;
    }
    if std::env::args().any(|a| a == "--diffusion-only") {
        diffusion_rows(&Device::Cpu, "CPU");
        if let Ok(g) = block_on(Gpu::new()) {
            let label = g.adapter.clone();
            diffusion_rows(&Device::Gpu(g.clone()), &label);
            // With GENLAB_GPU_PROFILE set: where the GPU rows' time went, by kernel.
            if let Some((total, rows)) = g.profile_report(25) {
                println!("GPU profile (every dispatch waited for): {total:.2} s in kernels");
                print!("{rows}");
            }
        }
        return;
    }
    println!("Genlab benchmarks: native, release build");
    println!(
        "| workload                                     |  time (ms) |   throughput            |"
    );
    println!(
        "|----------------------------------------------|------------|-------------------------|"
    );
    engine_rows(&Device::Cpu, "CPU");
    match block_on(Gpu::new()) {
        Ok(g) => {
            println!("| GPU rows: adapter {} |", g.adapter);
            engine_rows(&Device::Gpu(g), "GPU");
        }
        Err(e) => println!("| GPU rows skipped: {e} |"),
    }
    println!();
    println!("Lesson workloads: native CPU, one thread");
    println!(
        "| workload                                     |  time (ms) |   throughput            |"
    );
    println!(
        "|----------------------------------------------|------------|-------------------------|"
    );
    let p = PData::default();
    let people = p.sample_n(100, 1);
    time(
        "rasterise 100 avatars to 32×32 RGB",
        "images/s",
        100.0,
        || people.iter().map(rasterise).count(),
    );
    let imgs: Vec<Vec<u8>> = p.sample_n(200, 2).iter().map(rasterise).collect();
    time(
        "per-pixel model: fit on 200 images",
        "images/s",
        200.0,
        || PixelModel::fit(&imgs, 1.0),
    );
    let m = PixelModel::fit(&imgs, 1.0);
    let mut rng = Rng::new(1);
    time(
        "per-pixel model: sample 10 images",
        "images/s",
        10.0,
        || (0..10).map(|_| m.sample(&mut rng)).count(),
    );
    let grey: Vec<Vec<u8>> = imgs
        .iter()
        .map(|i| genlab::data::draw::to_grey(i))
        .collect();
    time("pixel correlation map (200 images)", "maps/s", 1.0, || {
        correlation_with(&grey, 500)
    });
    let land = LandMap::world();
    let pts = land.sample(300, &mut Rng::new(3));
    let test = land.sample(1000, &mut Rng::new(4));
    let mut mix = Mixture::init(&pts, 8, 1);
    time("EM step, K = 8, 300 points", "steps/s", 1.0, || {
        mix.em_step(&pts)
    });
    let kde = Kde {
        pts: pts.clone(),
        h: 6.0,
    };
    time(
        "KDE held-out log-lik, 300 × 1000 points",
        "Mpairs/s",
        0.3,
        || mean_log_likelihood(&kde, &test),
    );
    let truth = p.table();
    let data = p.sample_n(5000, 5);
    time(
        "naive Bayes fit N = 5000 + KL over 4032",
        "fits/s",
        1.0,
        || kl(&truth, &NaiveBayes::fit(&data).table()),
    );
    // Lessons 4–5: a pad's decode of one point, and one VAE training step (batch 32).
    for (name, latent) in [("jar-ae", 2), ("avatar-vae", 8)] {
        let r = genlab::models::zoo::recipe(name).unwrap();
        let (net, p) = r.build(&Device::Cpu);
        let ae = net.as_autoencoder().unwrap();
        let z = vec![vec![0.3f32; latent]];
        time(
            &format!("{name}: decode one latent point"),
            "decodes/s",
            1.0,
            || ae.decode(&p, &z).unwrap(),
        );
    }
    let r = genlab::models::zoo::recipe("avatar-vae").unwrap();
    let mut devices = vec![("CPU", Device::Cpu)];
    if let Ok(g) = block_on(Gpu::new()) {
        devices.push(("GPU", Device::Gpu(g)));
    }
    for (label, dev) in devices {
        let (net, mut t) = block_on(r.trainer(&dev)).unwrap();
        time(
            &format!("avatar-vae training step, batch 32 ({label})"),
            "steps/s",
            1.0,
            || {
                block_on(t.run(1, &|tape, p, step, d| {
                    r.loss(&net, r.beta, tape, p, step, d)
                }))
                .unwrap()
            },
        );
    }
    for (label, dev) in [("CPU", Device::Cpu)]
        .into_iter()
        .chain(block_on(Gpu::new()).ok().map(|g| ("GPU", Device::Gpu(g))))
    {
        gan_rows(&dev, label);
        name_rows(&dev, label);
        diffusion_rows(&dev, label);
    }
}

/// Lesson 7's transformer: one training step (64 names); on the CPU, 200 names sampled
/// and a keystroke's work (the next symbol's law and every attention map).
fn name_rows(dev: &Device, label: &str) {
    let r = genlab::models::zoo::recipe("names-gpt").unwrap();
    let (net, mut t) = block_on(r.trainer(dev)).unwrap();
    time(
        &format!("names-gpt training step, 64 names ({label})"),
        "steps/s",
        1.0,
        || {
            block_on(t.run(1, &|tape, p, step, d| {
                r.loss(&net, r.beta, tape, p, step, d)
            }))
            .unwrap()
        },
    );
    if matches!(dev, Device::Cpu) {
        let p = t.params.clone();
        time("names-gpt: 200 names sampled (CPU)", "runs/s", 1.0, || {
            net.call(&p, "sample", &[], &[200.0, 1.0, 0.0, 3.0])
                .unwrap()
                .unwrap()
        });
        let kalon = [vec![11.0f32, 1.0, 12.0, 15.0, 14.0]];
        time(
            "names-gpt: one keystroke, next + attention (CPU)",
            "runs/s",
            1.0,
            || {
                net.call(&p, "next", &kalon, &[]).unwrap().unwrap();
                net.call(&p, "attention", &kalon, &[]).unwrap().unwrap()
            },
        );
    }
}

/// Lesson 6: the 2-D GAN's training step with the fix (D then G, batch 256), the DCGAN's
/// (batch 32), and 64 people drawn.
fn gan_rows(dev: &Device, label: &str) {
    use genlab::models::sampling::{run_to_end, SampleSpec};
    let r = genlab::models::zoo::recipe("gan-ring").unwrap();
    let (net, mut t) = block_on(r.trainer(dev)).unwrap();
    let loss = genlab::train::group_loss_fn(|g, tape, p, step, d| {
        r.group_loss(&net, r.beta, g, tape, p, step, d)
    });
    time(
        &format!("gan-ring training step, batch 256 ({label})"),
        "steps/s",
        1.0,
        || block_on(t.run_groups(1, &loss)).unwrap(),
    );
    let r = genlab::models::zoo::recipe("avatar-gan").unwrap();
    let (net, mut t) = block_on(r.trainer(dev)).unwrap();
    let loss = genlab::train::group_loss_fn(|g, tape, p, step, d| {
        r.group_loss(&net, r.beta, g, tape, p, step, d)
    });
    time(
        &format!("avatar-gan training step, batch 32 ({label})"),
        "steps/s",
        1.0,
        || block_on(t.run_groups(1, &loss)).unwrap(),
    );
    let params = t.params.clone();
    time(
        &format!("avatar-gan: 64 samples ({label})"),
        "runs/s",
        1.0,
        || {
            let spec = SampleSpec::Draw { n: 64, seed: 3 };
            let mut run = net.sampler(&params, &spec, dev).unwrap();
            block_on(run_to_end(run.as_mut())).unwrap()
        },
    );
}
