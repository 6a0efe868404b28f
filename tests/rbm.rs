//! Lesson 9's restricted Boltzmann machine: Bernoulli draws on both backends, the free
//! energy against a brute-force sum over hidden states, contrastive divergence lowering
//! the reconstruction error, the shipped machine ranking pictures no person makes above
//! held-out people, chains and inpainting reaching people, and CPU and lavapipe agreeing.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;
use genlab::data::avatar::{Avatar, N_COMBINATIONS};
use genlab::data::Rng;
use genlab::models::autoencoder::held_out_people;
use genlab::models::rbm::{
    anomaly_set, binary_avatar, nearest_person, people_pictures, Rbm, RbmSettings, RbmWeights,
    SIDE, VISIBLE,
};
use genlab::nn::Params;
use genlab::tensor::{block_on, Device, Tensor};
mod shipped;
use shipped::{assert_trains_alike, first_losses, gpu, shipped};

fn values(t: &Tensor) -> Vec<f32> {
    block_on(t.to_vec()).unwrap()
}

#[test]
fn bernoulli_draws_ones_as_often_as_asked_on_both_backends() {
    let (rows, n) = (9, 4000);
    let probs: Vec<f32> = (0..rows)
        .flat_map(|i| std::iter::repeat_n((i + 1) as f32 / 10.0, n))
        .collect();
    for dev in [Device::Cpu, gpu()] {
        let p = Tensor::new(probs.clone(), &[rows, n], &dev).unwrap();
        let bits = values(&p.bernoulli(5).unwrap());
        for i in 0..rows {
            let row = &bits[i * n..(i + 1) * n];
            assert!(row.iter().all(|&b| b == 0.0 || b == 1.0));
            let share = row.iter().sum::<f32>() / n as f32;
            let want = (i + 1) as f32 / 10.0;
            // Four standard errors at most (0.0316 at p = ½ with 4000 draws).
            assert!(
                (share - want).abs() < 0.032,
                "{dev:?}: {share} for p = {want}"
            );
        }
    }
}

/// A tiny machine, 5 visible and 3 hidden units, with weights large enough to matter.
fn tiny(dev: &Device) -> (Rbm, Params) {
    let mut p = Params::default();
    let mut rng = Rng::new(4);
    let b: Vec<f32> = (0..5).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    let settings = RbmSettings { hidden: 3, k: 1 };
    let m = Rbm::with_visible_bias(settings, 5, &b, &mut p, &mut rng, dev);
    let w: Vec<f32> = (0..15).map(|_| rng.range(-2.0, 2.0) as f32).collect();
    let c: Vec<f32> = (0..3).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    p.values[m.w] = Tensor::new(w, &[5, 3], dev).unwrap();
    p.values[m.c] = Tensor::new(c, &[3], dev).unwrap();
    (m, p)
}

fn bits(i: usize, n: usize) -> Vec<f32> {
    (0..n).map(|k| ((i >> k) & 1) as f32).collect()
}

#[test]
fn the_free_energy_is_minus_the_log_of_the_sum_over_hidden_states() {
    for dev in [Device::Cpu, gpu()] {
        let (m, p) = tiny(&dev);
        let cpu = |t: &Tensor| values(t);
        let (w, b, c) = (
            cpu(&p.values[m.w]),
            cpu(&p.values[m.b]),
            cpu(&p.values[m.c]),
        );
        // −E(v, h) = b·v + c·h + vᵀWh
        let neg_energy = |v: &[f32], h: &[f32]| -> f64 {
            let mut s: f64 = (0..5).map(|i| (b[i] * v[i]) as f64).sum();
            s += (0..3).map(|j| (c[j] * h[j]) as f64).sum::<f64>();
            for i in 0..5 {
                for j in 0..3 {
                    s += (v[i] * w[i * 3 + j] * h[j]) as f64;
                }
            }
            s
        };
        let all_v: Vec<Vec<f32>> = (0..32).map(|i| bits(i, 5)).collect();
        let v = Tensor::new(all_v.concat(), &[32, 5], &dev).unwrap();
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let on_tape = cpu(&m.free_energy(&vars, &tape.leaf(v.clone())).unwrap().value());
        let wt = m.weights(&p);
        let plain = cpu(&m.free_energies(&p, &v).unwrap());
        let hidden = cpu(&wt.hidden_probs(&v).unwrap());
        for (k, v) in all_v.iter().enumerate() {
            let terms: Vec<f64> = (0..8).map(|h| neg_energy(v, &bits(h, 3)).exp()).collect();
            let z: f64 = terms.iter().sum();
            let f = -z.ln();
            for got in [on_tape[k], plain[k]] {
                assert!(
                    (got as f64 - f).abs() < 1e-4 * (1.0 + f.abs()),
                    "{dev:?} v={v:?}: {got} vs {f}"
                );
            }
            // p(hⱼ = 1 | v) is the share of the sum with hⱼ on.
            for j in 0..3 {
                let on: f64 = (0..8).filter(|h| h >> j & 1 == 1).map(|h| terms[h]).sum();
                let got = hidden[k * 3 + j] as f64;
                assert!(
                    (got - on / z).abs() < 1e-5,
                    "{dev:?}: p(h{j}|{v:?}) {got} vs {}",
                    on / z
                );
            }
        }
    }
}

#[test]
fn contrastive_divergence_lowers_the_reconstruction_error() {
    let steps = first_losses("rbm-avatars", 32, &Device::Cpu, 120);
    let recon = |s: &[Vec<f32>]| s.iter().map(|l| l[1]).sum::<f32>() / s.len() as f32;
    let (start, end) = (recon(&steps[..5]), recon(&steps[steps.len() - 10..]));
    assert!(end < 0.5 * start, "reconstruction error {start} → {end}");
}

#[test]
fn cpu_and_lavapipe_train_alike() {
    assert_trains_alike("rbm-avatars", 16, 3, 1e-3);
}

#[test]
fn the_free_energy_ranks_pictures_no_person_makes_first() {
    let (net, p) = shipped("rbm-avatars", &Device::Cpu);
    let set = anomaly_set();
    let rows: Vec<Vec<f32>> = set.iter().map(|s| s.1.clone()).collect();
    let f: Vec<f32> = net
        .call(&p, "free-energy", &rows, &[])
        .unwrap()
        .unwrap()
        .iter()
        .map(|r| r[0])
        .collect();
    let odd = set.iter().filter(|s| s.2).count();
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_by(|&a, &b| f[b].total_cmp(&f[a]));
    for &i in &order[..odd] {
        assert!(set[i].2, "{} ranks among the first {odd}: {f:?}", set[i].0);
    }
    // By a wide margin: the most person-like anomaly sits far above every person.
    let least_odd = order[..odd].iter().map(|&i| f[i]).fold(f32::MAX, f32::min);
    let most_odd_person = order[odd..].iter().map(|&i| f[i]).fold(f32::MIN, f32::max);
    assert!(least_odd > most_odd_person + 500.0, "{f:?}");
}

/// Pixels of `a` and `b` that differ, over rows `rows`.
fn differ(a: &[f32], b: &[f32], rows: std::ops::Range<usize>) -> usize {
    rows.flat_map(|y| (0..SIDE).map(move |x| y * SIDE + x))
        .filter(|&i| (a[i] > 0.5) != (b[i] > 0.5))
        .count()
}

/// The fewest pixels by which `v` differs from any person of Avatar World.
fn nearest(v: &[f32]) -> usize {
    nearest_person(v).1
}

#[test]
fn avatar_world_draws_84_pictures_in_black_and_white() {
    let pics = people_pictures();
    let total: f64 = pics.iter().map(|p| p.1).sum();
    assert!((total - 1.0).abs() < 1e-9);
    // 4 hair styles × 7 clothes × 3 accessories, all different.
    assert_eq!(pics.len(), 84);
    let mut bits: Vec<Vec<u8>> = pics
        .iter()
        .map(|p| p.0.iter().map(|&x| x as u8).collect())
        .collect();
    bits.sort();
    bits.dedup();
    assert_eq!(bits.len(), 84, "two combinations draw the same picture");
    // Every person's picture is one of them, exactly.
    for i in (0..N_COMBINATIONS).step_by(7) {
        assert_eq!(nearest(binary_avatar(&Avatar::from_index(i))), 0);
    }
}

#[test]
fn chains_from_coin_flips_reach_people_and_inpainting_keeps_the_clamped_half() {
    let (net, p) = shipped("rbm-avatars", &Device::Cpu);
    let mut rng = Rng::new(8);
    let flips = |rng: &mut Rng| -> Vec<f32> { (0..VISIBLE).map(|_| rng.below(2) as f32).collect() };
    let noise: Vec<Vec<f32>> = (0..6).map(|_| flips(&mut rng)).collect();
    let out = net
        .call(&p, "gibbs", &noise, &[60.0, 3.0, 0.0])
        .unwrap()
        .unwrap();
    for (start, end) in noise.iter().zip(&out) {
        assert!(nearest(start) > 300);
        // Within 2 % of the pixels of some person.
        assert!(
            nearest(&end[..VISIBLE]) < 21,
            "{}",
            nearest(&end[..VISIBLE])
        );
    }
    // Inpainting: the top half of a held-out person kept, the bottom from coin flips.
    let person = binary_avatar(&held_out_people(1, 5)[0]).to_vec();
    let half = SIDE / 2 * SIDE;
    let starts: Vec<Vec<f32>> = (0..6)
        .map(|_| [&person[..half], &flips(&mut rng)[half..]].concat())
        .collect();
    let out = net
        .call(&p, "gibbs", &starts, &[60.0, 4.0, 16.0])
        .unwrap()
        .unwrap();
    for o in &out {
        assert_eq!(differ(o, &person, 0..SIDE / 2), 0, "a clamped pixel moved");
        assert!(nearest(&o[..VISIBLE]) < 21);
    }
}

#[test]
fn gibbs_chains_agree_on_cpu_and_lavapipe() {
    let (net, p) = shipped("rbm-avatars", &Device::Cpu);
    let m = net.get::<Rbm>().unwrap();
    let g = gpu();
    let mut rng = Rng::new(2);
    let start: Vec<f32> = (0..8 * VISIBLE).map(|_| rng.below(2) as f32).collect();
    let run = |dev: &Device| {
        let wt: RbmWeights = m.weights(&p.to_device(dev));
        let v = Tensor::new(start.clone(), &[8, VISIBLE], dev).unwrap();
        let (now, probs) = wt.chain(&v, 20, 6, None).unwrap();
        (values(&now), values(&probs))
    };
    let ((a, pa), (b, pb)) = (run(&Device::Cpu), run(&g));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(
        same as f64 >= 0.999 * a.len() as f64,
        "{same} of {} bits agree",
        a.len()
    );
    let close = pa
        .iter()
        .zip(&pb)
        .filter(|(x, y)| (*x - *y).abs() < 1e-4)
        .count();
    assert!(close as f64 >= 0.999 * pa.len() as f64);
}

#[test]
fn the_free_energy_gradient_matches_finite_differences_on_both_backends() {
    // ∂F/∂θ through the tape (what CD-k's loss F(v₀) − F(v_k) trains by), against
    // central differences of the plain free energy, on the tiny machine.
    for dev in [Device::Cpu, gpu()] {
        let (m, p) = tiny(&dev);
        let v = Tensor::new(
            [bits(11, 5), bits(22, 5), bits(7, 5)].concat(),
            &[3, 5],
            &dev,
        )
        .unwrap();
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let total = m
            .free_energy(&vars, &tape.leaf(v.clone()))
            .unwrap()
            .sum(0)
            .unwrap()
            .reshape(&[])
            .unwrap();
        let grads = tape.backward(total).unwrap();
        for k in [m.w, m.b, m.c] {
            let got = values(grads.get(vars[k]).unwrap());
            let base = values(&p.values[k]);
            let shape = p.values[k].shape().to_vec();
            for i in 0..base.len() {
                let h = 1e-2f32;
                let at = |d: f32| {
                    let mut q = p.clone();
                    let mut x = base.clone();
                    x[i] += d;
                    q.values[k] = Tensor::new(x, &shape, &dev).unwrap();
                    values(&m.free_energies(&q, &v).unwrap())
                        .iter()
                        .sum::<f32>()
                };
                let want = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (got[i] - want).abs() < 2e-2 * (1.0 + want.abs()),
                    "{dev:?} {}[{i}]: {} vs {want}",
                    p.names[k],
                    got[i]
                );
            }
        }
    }
}
