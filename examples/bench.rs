//! `cargo xtask bench`: timings of the lessons' workloads on this machine's CPU (native,
//! release build). The tensor engine's matmul and MLP figures join this table with it.

use genlab::data::draw::rasterise;
use genlab::data::land::LandMap;
use genlab::data::{PData, Rng};
use genlab::models::density2d::{mean_log_likelihood, Kde, Mixture};
use genlab::models::pixel::{correlation_with, PixelModel};
use genlab::models::tabular::{kl, NaiveBayes};
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

fn main() {
    println!("Genlab benchmarks: native CPU, release build, one thread");
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
}
