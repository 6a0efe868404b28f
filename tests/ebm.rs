//! Lesson 9's energies: the input gradient written on the tape is the energy's true slope
//! (against backpropagation), the shipped energy's Langevin particles land on the ring far
//! closer than the noise they start from, and the recipe trains alike on the CPU and
//! lavapipe.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;
use genlab::data::Rng;
use genlab::models::ebm2d::Energy2d;
use genlab::models::langevin::energy_distance;
use genlab::models::plane::{points_tensor, Target};
use genlab::tensor::{block_on, Device};
mod shipped;
use shipped::{assert_trains_alike, gpu, shipped};

#[test]
fn the_written_out_slope_matches_backpropagation_on_both_backends() {
    for dev in [Device::Cpu, gpu()] {
        let (net, p) = genlab::models::zoo::recipe("ebm-ring").unwrap().build(&dev);
        let m = net.get::<Energy2d>().unwrap();
        let mut rng = Rng::new(3);
        let pts: Vec<(f64, f64)> = (0..50)
            .map(|_| (rng.range(-1.2, 1.2), rng.range(-1.2, 1.2)))
            .collect();
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let x = tape.leaf(points_tensor(&pts, &dev).unwrap());
        let (e, g) = m.energy_and_grad(&vars, &x).unwrap();
        let total = e
            .reshape(&[pts.len()])
            .unwrap()
            .sum(0)
            .unwrap()
            .reshape(&[])
            .unwrap();
        let grads = tape.backward(total).unwrap();
        let back = block_on(grads.get(x).unwrap().to_vec()).unwrap();
        let written = block_on(g.value().to_vec()).unwrap();
        for (a, b) in written.iter().zip(&back) {
            assert!(
                (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                "{dev:?}: {a} vs {b}"
            );
        }
    }
}

/// Energy distance to the ring: the shipped energy's particles after 400 Langevin steps
/// from uniform noise against that noise itself (measured: 0.0129 against 0.0483).
const CLOSER_THAN_NOISE: f64 = 3.0;

#[test]
fn langevin_on_the_shipped_energy_lands_on_the_ring() {
    let (net, p) = shipped("ebm-ring", &Device::Cpu);
    let mut rng = Rng::new(1);
    let start: Vec<Vec<f32>> = (0..300)
        .map(|_| vec![rng.range(-1.25, 1.25) as f32, rng.range(-1.25, 1.25) as f32])
        .collect();
    let mut now = start.clone();
    for round in 0..2 {
        now = net
            .call(&p, "langevin", &now, &[200.0, 0.003, 1.0, round as f64])
            .unwrap()
            .unwrap();
    }
    let pts = |rows: &[Vec<f32>]| -> Vec<(f64, f64)> {
        rows.iter().map(|r| (r[0] as f64, r[1] as f64)).collect()
    };
    let ring = Target::Ring.sample(300, &mut Rng::new(2));
    let (moved, noise) = (
        energy_distance(&pts(&now), &ring),
        energy_distance(&pts(&start), &ring),
    );
    // What the energy learns: the ring blurred by σ = 0.1.
    let mut rng = Rng::new(3);
    let blurred: Vec<(f64, f64)> = Target::Ring
        .sample(300, &mut rng)
        .into_iter()
        .map(|(x, y)| (x + 0.1 * rng.normal(), y + 0.1 * rng.normal()))
        .collect();
    let floor = energy_distance(&blurred, &ring);
    eprintln!("energy distance to the ring: Langevin {moved:.4}, noise {noise:.4}, the blurred ring {floor:.4}");
    assert!(
        moved * CLOSER_THAN_NOISE < noise,
        "Langevin {moved} vs noise {noise}"
    );
    assert!(
        moved < 2.0 * floor,
        "Langevin {moved} vs the blurred ring {floor}"
    );
}

#[test]
fn the_recipe_trains_the_same_on_cpu_and_gpu() {
    assert_trains_alike("ebm-ring", 64, 3, 2e-3);
}
