//! Lessons 4 and 5's networks: their recipes learn on both backends from a fixed seed,
//! and the shipped weights (`www/weights/`, written by `cargo xtask train`) load, match
//! their manifests, and do what the lessons say they do.
#![cfg(not(target_arch = "wasm32"))]

use genlab::data::avatar::CARDINALITIES;
use genlab::data::Rng;
use genlab::models::autoencoder::{self as ae, avatar_input, held_out_people};
use genlab::models::classifier::FeatureClassifier;
use genlab::models::zoo::{self, fnv1a64, Manifest, Net, Recipe, AVATAR_LATENT};
use genlab::nn::weights;
use genlab::nn::Params;
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device};
mod shipped;
use shipped::{shipped, weights_dir};

/// Losses of `steps` steps of `r` (with a smaller batch, to keep lavapipe quick).
fn losses(r: &Recipe, steps: u64, dev: &Device) -> Vec<f32> {
    let r = Recipe { batch: 8, ..*r };
    let (net, mut t) = block_on(r.trainer(dev)).unwrap();
    let chunk = block_on(t.run(steps as usize, &|tape, p, step, d| {
        r.loss(&net, r.beta, tape, p, step, d)
    }))
    .unwrap();
    assert!(chunk.fell_back.is_none());
    chunk.metrics.iter().map(|m| m.loss).collect()
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

#[test]
fn autoencoder_losses_fall_on_both_backends_and_agree() {
    let gpu = Device::Gpu(block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)"));
    for name in ["jar-ae", "avatar-ae", "avatar-vae"] {
        let r = zoo::recipe(name).unwrap();
        let steps = 24;
        let cpu = losses(r, steps, &Device::Cpu);
        let gpu_l = losses(r, steps, &gpu);
        let (first, last) = (mean(&cpu[..4]), mean(&cpu[cpu.len() - 4..]));
        assert!(last < 0.8 * first, "{name}: CPU loss {first} → {last}");
        let (gfirst, glast) = (mean(&gpu_l[..4]), mean(&gpu_l[gpu_l.len() - 4..]));
        assert!(glast < 0.8 * gfirst, "{name}: GPU loss {gfirst} → {glast}");
        // Same seed, same batches, same noise: the paths agree to float tolerance.
        for (i, (c, g)) in cpu.iter().zip(&gpu_l).enumerate().take(8) {
            assert!(
                (c - g).abs() < 1e-2 * c.abs().max(1.0),
                "{name} step {}: CPU {c} vs GPU {g}",
                i + 1
            );
        }
    }
}

#[test]
fn manifests_match_the_shipped_files() {
    // Every recipe of the registry ships its weights.
    for r in zoo::all_recipes() {
        let bytes = std::fs::read(weights_dir().join(format!("{}.safetensors", r.name))).unwrap();
        let m = std::fs::read_to_string(weights_dir().join(format!("{}.json", r.name))).unwrap();
        let m = Manifest::parse(&m).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        assert_eq!(m.model, r.name);
        assert_eq!(m.seed, r.seed);
        assert_eq!(m.steps, r.steps, "{}: trained with another recipe", r.name);
        assert_eq!(
            m.dataset,
            r.dataset(),
            "{}: data set changed since training",
            r.name
        );
        assert_eq!(m.bytes, bytes.len());
        assert_eq!(m.fnv1a64, format!("{:016x}", fnv1a64(&bytes)));
        assert!(bytes.len() < 2 << 20, "{} is {} bytes", r.name, bytes.len());
        let w = weights::from_bytes(&bytes).unwrap();
        assert_eq!(w.metadata["model"], r.name);
        assert!(m.final_loss.is_finite());
    }
}

fn mse(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn shipped_jar_autoencoder_rediscovers_height_and_width() {
    let (net, p) = shipped("jar-ae", &Device::Cpu);
    let m = net.as_autoencoder().unwrap();
    let jars = genlab::data::jars::sample(200, 999); // not the training draw
    let xs: Vec<Vec<f32>> = jars.iter().map(|j| j.render()).collect();
    let err = m.recon_error(&p, &xs).unwrap();
    let e = err.iter().sum::<f64>() / err.len() as f64;
    println!("jar-ae held-out MSE {e}");
    assert!(e < 0.004, "jar reconstruction MSE {e}");
    // Height and width are each a smooth function of the 2-D code: a quadratic fit from the
    // code predicts them with R² > 0.9.
    let z = m.encode(&p, &xs).unwrap();
    for (name, target) in [
        ("height", jars.iter().map(|j| j.height).collect::<Vec<_>>()),
        ("width", jars.iter().map(|j| j.width).collect()),
    ] {
        let r2 = quadratic_r2(&z, &target);
        println!("{name} R² {r2}");
        assert!(r2 > 0.9, "{name} from the code: R² {r2}");
    }
}

/// R² of a least-squares fit of `y` on (1, z₁, z₂, z₁², z₁z₂, z₂²).
fn quadratic_r2(z: &[Vec<f32>], y: &[f64]) -> f64 {
    // Standardise the codes so the normal equations are well conditioned.
    let n = z.len() as f64;
    let (mut m, mut s) = ([0.0; 2], [0.0; 2]);
    for c in z {
        for k in 0..2 {
            m[k] += c[k] as f64 / n;
        }
    }
    for c in z {
        for k in 0..2 {
            s[k] += (c[k] as f64 - m[k]).powi(2) / n;
        }
    }
    let feats: Vec<[f64; 6]> = z
        .iter()
        .map(|c| {
            let a = (c[0] as f64 - m[0]) / s[0].sqrt().max(1e-9);
            let b = (c[1] as f64 - m[1]) / s[1].sqrt().max(1e-9);
            [1.0, a, b, a * a, a * b, b * b]
        })
        .collect();
    let mut ata = [[0.0; 6]; 6];
    let mut aty = [0.0; 6];
    for (f, &t) in feats.iter().zip(y) {
        for i in 0..6 {
            aty[i] += f[i] * t;
            for j in 0..6 {
                ata[i][j] += f[i] * f[j];
            }
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..6 {
        let piv = (col..6)
            .max_by(|&a, &b| ata[a][col].abs().total_cmp(&ata[b][col].abs()))
            .unwrap();
        ata.swap(col, piv);
        aty.swap(col, piv);
        for r in 0..6 {
            if r != col {
                let f = ata[r][col] / ata[col][col];
                let pivot = ata[col];
                for (x, p) in ata[r].iter_mut().zip(pivot) {
                    *x -= f * p;
                }
                aty[r] -= f * aty[col];
            }
        }
    }
    let w: Vec<f64> = (0..6).map(|i| aty[i] / ata[i][i]).collect();
    let my = y.iter().sum::<f64>() / n;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for (f, &t) in feats.iter().zip(y) {
        let pred: f64 = f.iter().zip(&w).map(|(a, b)| a * b).sum();
        ss_res += (t - pred).powi(2);
        ss_tot += (t - my).powi(2);
    }
    1.0 - ss_res / ss_tot
}

#[test]
fn shipped_avatar_models_reconstruct_sample_and_flag_anomalies() {
    let people = held_out_people(64, 4242);
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    let (ae_net, ae_p) = shipped("avatar-ae", &Device::Cpu);
    let (vae_net, vae_p) = shipped("avatar-vae", &Device::Cpu);
    let (a, v) = (
        ae_net.as_autoencoder().unwrap(),
        vae_net.as_autoencoder().unwrap(),
    );
    let e_ae = mean64(&a.recon_error(&ae_p, &xs).unwrap());
    let e_vae = mean64(&v.recon_error(&vae_p, &xs).unwrap());
    // Baseline: predicting every held-out person as the mean image.
    let d = xs[0].len();
    let avg: Vec<f32> = (0..d)
        .map(|i| xs.iter().map(|x| x[i]).sum::<f32>() / xs.len() as f32)
        .collect();
    let e_mean = mean64(&xs.iter().map(|x| mse(x, &avg)).collect::<Vec<_>>());
    println!("held-out MSE: AE {e_ae}, VAE {e_vae}, mean image {e_mean}");
    assert!(
        e_ae < 0.012 && e_ae < 0.25 * e_mean,
        "AE held-out MSE {e_ae} (mean image {e_mean})"
    );
    assert!(
        e_vae < 0.02 && e_vae < 0.4 * e_mean,
        "VAE held-out MSE {e_vae} (mean image {e_mean})"
    );

    // β orders the KL: a larger β keeps less information in the code.
    let kls: Vec<f64> = ["avatar-vae-b025", "avatar-vae", "avatar-vae-b4"]
        .iter()
        .map(|n| {
            let (net, p) = shipped(n, &Device::Cpu);
            net.as_autoencoder().unwrap().kl(&p, &xs).unwrap()
        })
        .collect();
    println!("KL by β 0.25, 1, 4: {kls:?}");
    assert!(kls[0] > kls[1] && kls[1] > kls[2], "KL by β: {kls:?}");

    // The anomaly ranking puts every out-of-distribution image above every person.
    let set = ae::anomaly_set();
    let inputs: Vec<Vec<f32>> = set.iter().map(|s| ae::chw_from_rgb(&s.1)).collect();
    let errs = v.recon_error(&vae_p, &inputs).unwrap();
    let worst_person = set
        .iter()
        .zip(&errs)
        .filter(|s| !s.0 .2)
        .map(|s| *s.1)
        .fold(0.0, f64::max);
    for (s, e) in set.iter().zip(&errs).filter(|s| s.0 .2) {
        assert!(
            *e > worst_person,
            "{}: error {e} not above the people's {worst_person}",
            s.0
        );
    }

    // The classifier reads real people well, and VAE samples match P_data's shares far
    // better than samples from the plain autoencoder's "prior".
    let (cls_net, cls_p) = shipped("feature-classifier", &Device::Cpu);
    let cls = cls_net
        .get::<FeatureClassifier>()
        .expect("a classifier")
        .clone();
    let real = held_out_people(300, 31);
    let preds = cls
        .predict_cpu(&cls_p, &real.iter().map(avatar_input).collect::<Vec<_>>())
        .unwrap();
    for f in 0..5 {
        let acc = preds
            .iter()
            .zip(&real)
            .filter(|(p, a)| p[f] == a.get(f))
            .count() as f64
            / real.len() as f64;
        println!("classifier accuracy on feature {f}: {acc}");
        assert!(acc > 0.9, "classifier accuracy on feature {f}: {acc}");
    }
    let mut rng = Rng::new(8);
    let zs: Vec<Vec<f32>> = (0..300)
        .map(|_| (0..AVATAR_LATENT).map(|_| rng.normal() as f32).collect())
        .collect();
    let tv_of = |net: &Net, p: &Params| -> f64 {
        let imgs = net.as_autoencoder().unwrap().decode(p, &zs).unwrap();
        let preds = cls.predict_cpu(&cls_p, &imgs).unwrap();
        (0..5)
            .map(|f| {
                let truth = ae::pdata().marginal(f);
                let mut q = vec![0.0; CARDINALITIES[f]];
                for pr in &preds {
                    q[pr[f]] += 1.0 / preds.len() as f64;
                }
                0.5 * q
                    .iter()
                    .zip(&truth)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 5.0
    };
    let (tv_vae, tv_ae) = (tv_of(&vae_net, &vae_p), tv_of(&ae_net, &ae_p));
    println!("mean TV distance of feature shares: VAE {tv_vae}, AE {tv_ae}");
    assert!(
        tv_vae < 0.2,
        "VAE samples' feature shares are {tv_vae} from P_data"
    );
    assert!(tv_vae < 0.7 * tv_ae, "VAE {tv_vae} vs AE {tv_ae}");
}

fn mean64(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}
