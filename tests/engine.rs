//! The engine as the page's worker drives it: requests in, replies out. Training reports
//! progress, pauses and resumes exactly, follows the badge and survives a lost GPU;
//! sampling reports previews, ends with its samples, and can be cancelled; bad requests
//! get an answer in words and lose nothing.
#![cfg(not(target_arch = "wasm32"))]

mod shipped;

use genlab::engine::host::Host;
use genlab::engine::now_ms;
use genlab::engine::protocol::{decode, encode, Detected, JobStatus, Reply, Request, SampleSpec};
use genlab::models::diffusion::{ImageJob, Sampler};
use genlab::tensor::block_on;
use genlab::tensor::gpu::Gpu;

/// Hands a request to the host as the worker does: through the protocol's bytes.
fn ask(h: &mut Host, r: Request) {
    block_on(h.handle(decode(&encode(&r)).unwrap()));
}

/// Works until nothing is running; every reply on the way, through the protocol's bytes.
fn until_idle(h: &mut Host, out: &mut Vec<Reply>) {
    while h.busy() {
        block_on(h.work());
        collect(h, out);
    }
    collect(h, out);
}

fn collect(h: &mut Host, out: &mut Vec<Reply>) {
    out.extend(h.take_replies().iter().map(|r| decode(&encode(r)).unwrap()));
}

fn train(steps: u64) -> Request {
    Request::Train {
        model: "jar-ae".into(),
        steps,
        beta: None,
        seed: 3,
        options: vec![],
    }
}

fn last_weights(out: &[Reply]) -> (u64, Vec<u8>) {
    out.iter()
        .rev()
        .find_map(|r| match r {
            Reply::Weights { at, bytes, .. } => Some((*at, bytes.clone())),
            _ => None,
        })
        .expect("the engine handed over weights")
}

fn statuses(out: &[Reply]) -> Vec<JobStatus> {
    out.iter()
        .filter_map(|r| match r {
            Reply::Status { status, .. } => Some(status.clone()),
            _ => None,
        })
        .collect()
}

fn points(out: &[Reply]) -> Vec<u64> {
    out.iter()
        .flat_map(|r| match r {
            Reply::Progress { points, .. } => points.iter().map(|p| p.0).collect(),
            _ => vec![],
        })
        .collect()
}

#[test]
fn training_reports_every_step_and_a_pause_changes_nothing() {
    let mut h = Host::new(None, now_ms);
    let mut straight = Vec::new();
    ask(&mut h, train(8));
    until_idle(&mut h, &mut straight);
    assert_eq!(points(&straight), (1..=8).collect::<Vec<_>>());
    assert_eq!(statuses(&straight), [JobStatus::Running, JobStatus::Done]);
    let (at, done) = last_weights(&straight);
    assert_eq!(at, 8);

    let mut h = Host::new(None, now_ms);
    let mut paused = Vec::new();
    ask(&mut h, train(8));
    block_on(h.work());
    ask(
        &mut h,
        Request::Pause {
            model: "jar-ae".into(),
        },
    );
    collect(&mut h, &mut paused);
    assert!(!h.busy());
    let (at_pause, _) = last_weights(&paused);
    assert!((1..8).contains(&at_pause), "paused at step {at_pause}");
    ask(
        &mut h,
        Request::Resume {
            model: "jar-ae".into(),
            total: 8,
        },
    );
    until_idle(&mut h, &mut paused);
    assert_eq!(
        statuses(&paused),
        [
            JobStatus::Running,
            JobStatus::Paused,
            JobStatus::Running,
            JobStatus::Done
        ]
    );
    assert_eq!(points(&paused), (1..=8).collect::<Vec<_>>());
    assert_eq!(last_weights(&paused), (8, done), "resumed weights differ");
}

fn image_job(steps: usize) -> Request {
    Request::Sample {
        job: 7,
        model: "avatar-unet".into(),
        what: SampleSpec::Images(ImageJob {
            sampler: Sampler::Ddim,
            steps,
            n: 2,
            prompt: [None; 5],
            w: 0.0,
            seed: 1,
        }),
    }
}

#[test]
fn sampling_shows_progress_ends_with_samples_and_can_be_cancelled() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    // No weights yet: said in words.
    ask(&mut h, image_job(3));
    collect(&mut h, &mut out);
    assert!(matches!(&out[..], [Reply::SampleEnded { job: 7, why }] if why.contains("no weights")));

    let bytes = std::fs::read(shipped::weights_dir().join("avatar-unet.safetensors")).unwrap();
    ask(
        &mut h,
        Request::SetWeights {
            model: "avatar-unet".into(),
            bytes,
        },
    );
    out.clear();
    ask(&mut h, image_job(3));
    until_idle(&mut h, &mut out);
    let done: Vec<usize> = out
        .iter()
        .filter_map(|r| match r {
            Reply::Sampling { news, .. } if news.total == 3 => Some(news.done),
            _ => None,
        })
        .collect();
    assert_eq!(done, [1, 2, 3]);
    let Some(Reply::Sampling { news, .. }) = out
        .iter()
        .rev()
        .find(|r| matches!(r, Reply::Sampling { .. }))
    else {
        panic!("progress is reported: {out:?}")
    };
    let (Some(images), device) = (&news.images, &news.device) else {
        panic!("the last progress carries the samples: {news:?}")
    };
    assert_eq!(device, "on the CPU");
    assert_eq!(images.len(), 2);
    assert!(images.iter().all(|im| im.len() == 32 * 32 * 3));
    let Some(Reply::Sampled { job: 7, values }) = out.last() else {
        panic!("ends with the samples' values")
    };
    assert_eq!(values.len(), 2 * 3 * 32 * 32);
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));

    out.clear();
    ask(&mut h, image_job(10));
    block_on(h.work());
    ask(&mut h, Request::Cancel { job: 7 });
    collect(&mut h, &mut out);
    assert!(!h.busy());
    assert!(
        matches!(out.last(), Some(Reply::SampleEnded { job: 7, why }) if why == "cancelled at step 1 of 10")
    );
}

#[test]
fn any_model_with_a_sampler_samples_through_the_same_run() {
    // The VAE's prior, decoded in one step: the same job machinery as the U-Net's.
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    let bytes = std::fs::read(shipped::weights_dir().join("avatar-vae.safetensors")).unwrap();
    ask(
        &mut h,
        Request::SetWeights {
            model: "avatar-vae".into(),
            bytes,
        },
    );
    let draw = |model: &str, job| Request::Sample {
        job,
        model: model.into(),
        what: SampleSpec::Draw { n: 4, seed: 9 },
    };
    ask(&mut h, draw("avatar-vae", 1));
    until_idle(&mut h, &mut out);
    let news: Vec<_> = out
        .iter()
        .filter_map(|r| match r {
            Reply::Sampling { job: 1, news } => Some(news),
            _ => None,
        })
        .collect();
    assert_eq!(news.len(), 1, "one step: {out:?}");
    assert_eq!((news[0].done, news[0].total), (1, 1));
    assert_eq!(news[0].images.as_ref().map(Vec::len), Some(4));
    let Some(Reply::Sampled { job: 1, values }) = out.last() else {
        panic!("ends with the samples' values: {out:?}")
    };
    assert_eq!(values.len(), 4 * 3 * 32 * 32);
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    // Asking for no samples ends at once, with none.
    out.clear();
    ask(
        &mut h,
        Request::Sample {
            job: 3,
            model: "avatar-vae".into(),
            what: SampleSpec::Draw { n: 0, seed: 9 },
        },
    );
    until_idle(&mut h, &mut out);
    assert!(
        matches!(out.last(), Some(Reply::Sampled { job: 3, values }) if values.is_empty()),
        "{out:?}"
    );
    // A model without a sampler says so.
    out.clear();
    ask(&mut h, draw("feature-classifier", 2));
    collect(&mut h, &mut out);
    assert!(
        matches!(out.last(), Some(Reply::SampleEnded { job: 2, why }) if why.contains("no weights") || why.contains("does not sample")),
        "{out:?}"
    );
}

#[test]
fn a_gan_trains_in_the_engine_in_two_parts() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    ask(
        &mut h,
        Request::Train {
            model: "gan-ring".into(),
            steps: 3,
            beta: None,
            seed: 6,
            options: vec![],
        },
    );
    until_idle(&mut h, &mut out);
    let names = out.iter().find_map(|r| match r {
        Reply::Progress { part_names, .. } if !part_names.is_empty() => Some(part_names.clone()),
        _ => None,
    });
    assert_eq!(
        names.as_deref(),
        Some(&["D", "D/real", "D/fake", "D/r1", "G"].map(String::from)[..])
    );
    assert_eq!(last_weights(&out).0, 3);
}

/// The values of the named tensors of a safetensors file.
fn tensors(bytes: &[u8], prefix: &str) -> Vec<f32> {
    let w = genlab::nn::weights::from_bytes(bytes).unwrap();
    let mut names: Vec<_> = w.tensors.keys().filter(|k| k.starts_with(prefix)).collect();
    names.sort();
    names.iter().flat_map(|k| w.tensors[*k].1.clone()).collect()
}

#[test]
fn a_gan_takes_the_readers_settings_and_steps_one_part_alone() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    // Two moons, noise of 3 numbers, the saturating loss: the network is built to match.
    let options = vec![
        ("target".to_string(), vec![1.0]),
        ("noise_dim".to_string(), vec![3.0]),
        ("minimax".to_string(), vec![1.0]),
        ("lr_g".to_string(), vec![0.005]),
    ];
    ask(
        &mut h,
        Request::Train {
            model: "gan-ring".into(),
            steps: 2,
            beta: None,
            seed: 6,
            options,
        },
    );
    until_idle(&mut h, &mut out);
    let (at, before) = last_weights(&out);
    assert_eq!(at, 2);
    assert_eq!(
        genlab::nn::weights::from_bytes(&before).unwrap().tensors["g.0.weight"].0,
        [3, 64]
    );
    // One step of D alone moves D's weights and leaves G's as they were.
    out.clear();
    ask(
        &mut h,
        Request::Step {
            model: "gan-ring".into(),
            steps: 1,
            only: vec!["D".into()],
        },
    );
    until_idle(&mut h, &mut out);
    let (at, after) = last_weights(&out);
    assert_eq!(at, 3);
    assert_eq!(tensors(&after, "g."), tensors(&before, "g."));
    assert_ne!(tensors(&after, "d."), tensors(&before, "d."));
    assert!(out.iter().any(|r| matches!(
        r,
        Reply::Status {
            status: JobStatus::Done,
            ..
        }
    )));
    // Calls answer with the reader's network: 3 numbers of noise in, a point out.
    ask(
        &mut h,
        Request::Call {
            id: 1,
            model: "gan-ring".into(),
            function: "generate".into(),
            rows: vec![vec![0.1, -0.2, 0.3]],
            args: vec![],
        },
    );
    out.clear();
    collect(&mut h, &mut out);
    assert!(
        matches!(&out[..], [Reply::Called { id: 1, result: Ok(rows) }] if rows[0].len() == 2),
        "{out:?}"
    );
    // Settings out of range, a part that does not exist, settings for a network that takes
    // none: each refused in words.
    out.clear();
    for (model, options) in [
        ("gan-ring", vec![("lr_d".to_string(), vec![5.0])]),
        ("gan-ring", vec![("colour".to_string(), vec![1.0])]),
        ("jar-ae", vec![("lr_d".to_string(), vec![0.01])]),
    ] {
        ask(
            &mut h,
            Request::Train {
                model: model.into(),
                steps: 1,
                beta: None,
                seed: 1,
                options,
            },
        );
    }
    ask(
        &mut h,
        Request::Step {
            model: "gan-ring".into(),
            steps: 1,
            only: vec!["E".into()],
        },
    );
    collect(&mut h, &mut out);
    let failed = out
        .iter()
        .filter(|r| matches!(r, Reply::Status { status: JobStatus::Failed(why), .. } if why.starts_with("These settings cannot be used")))
        .count();
    assert_eq!(failed, 3, "{out:?}");
    assert!(
        out.iter()
            .any(|r| matches!(r, Reply::Error(e) if e.contains("no part called “E”"))),
        "{out:?}"
    );
}

#[test]
fn bad_requests_are_answered_in_words_and_lose_nothing() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    ask(&mut h, train(2));
    until_idle(&mut h, &mut out);
    let (_, trained) = last_weights(&out);
    out.clear();
    ask(
        &mut h,
        Request::SetWeights {
            model: "jar-ae".into(),
            bytes: b"not a safetensors file".to_vec(),
        },
    );
    ask(
        &mut h,
        Request::Train {
            model: "no-such-model".into(),
            steps: 1,
            beta: None,
            seed: 1,
            options: vec![],
        },
    );
    collect(&mut h, &mut out);
    let errors: Vec<&String> = out
        .iter()
        .filter_map(|r| match r {
            Reply::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{out:?}");
    assert!(errors[0].contains("no model called 'no-such-model'"));
    assert!(out.iter().any(|r| matches!(r, Reply::WeightsRefused { model, why } if model == "jar-ae" && !why.is_empty())));
    // The trained job is still there to go on with, from the same weights.
    out.clear();
    ask(
        &mut h,
        Request::Resume {
            model: "jar-ae".into(),
            total: 3,
        },
    );
    until_idle(&mut h, &mut out);
    assert_eq!(points(&out), [3]);
    assert_ne!(last_weights(&out).1, trained);
    // A model with no job to resume says so and does not hang in "running".
    out.clear();
    ask(
        &mut h,
        Request::Resume {
            model: "avatar-ae".into(),
            total: 3,
        },
    );
    collect(&mut h, &mut out);
    assert!(matches!(&statuses(&out)[..], [JobStatus::Failed(m)] if m.contains("from scratch")));
    assert!(!h.busy());
}

#[test]
fn training_follows_the_switch_and_survives_a_lost_gpu() {
    let gpu = block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)");
    let mut h = Host::new(Some(gpu), now_ms);
    let mut out = Vec::new();
    ask(&mut h, train(300));
    block_on(h.work());
    collect(&mut h, &mut out);
    let devices = |out: &[Reply]| -> Vec<String> {
        out.iter()
            .filter_map(|r| match r {
                Reply::Progress { device, .. } => Some(device.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(devices(&out), ["on WebGPU"]);
    // The reader switches to the CPU, then back: the job moves each time.
    ask(&mut h, Request::PreferGpu(false));
    block_on(h.work());
    ask(&mut h, Request::PreferGpu(true));
    block_on(h.work());
    collect(&mut h, &mut out);
    assert_eq!(devices(&out), ["on WebGPU", "on the CPU", "on WebGPU"]);
    // The device is lost mid-run: the job carries on on the CPU, the page is told.
    assert!(h.busy(), "the job is still running");
    ask(&mut h, Request::SimulateGpuLoss);
    until_idle(&mut h, &mut out);
    assert!(out
        .iter()
        .any(|r| matches!(r, Reply::Device(Detected::NoGpu(why)) if why.contains("lost"))));
    assert!(out.iter().any(
        |r| matches!(r, Reply::Notice { rolled_back_to: Some(_), text, .. } if text.contains("went on on the CPU"))
    ));
    assert_eq!(devices(&out).last().map(String::as_str), Some("on the CPU"));
    assert_eq!(statuses(&out).last(), Some(&JobStatus::Done));
    assert_eq!(last_weights(&out).0, 300);
}

fn called(out: &[Reply], want: u64) -> Result<Vec<Vec<f32>>, String> {
    out.iter()
        .find_map(|r| match r {
            Reply::Called { id, result } if *id == want => Some(result.clone()),
            _ => None,
        })
        .expect("every call is answered")
}

#[test]
fn calls_answer_from_the_current_weights_or_say_why_not() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    let call = |id, model: &str, function: &str, rows: Vec<Vec<f32>>| Request::Call {
        id,
        model: model.into(),
        function: function.into(),
        rows,
        args: vec![],
    };
    ask(&mut h, call(1, "jar-ae", "decode", vec![vec![0.0, 0.0]]));
    let bytes = std::fs::read(shipped::weights_dir().join("jar-ae.safetensors")).unwrap();
    ask(
        &mut h,
        Request::SetWeights {
            model: "jar-ae".into(),
            bytes,
        },
    );
    ask(
        &mut h,
        call(2, "jar-ae", "decode", vec![vec![0.0, 0.0], vec![1.0, -1.0]]),
    );
    ask(&mut h, call(3, "jar-ae", "no-such-function", vec![]));
    ask(&mut h, call(4, "feature-classifier", "classify", vec![]));
    collect(&mut h, &mut out);
    // The file's metadata comes back with the engine's yes, so the page never parses it.
    assert!(out
        .iter()
        .any(|r| matches!(r, Reply::WeightsTaken { model, metadata }
        if model == "jar-ae" && metadata.iter().any(|(k, v)| k == "steps" && v == "3000"))));
    assert!(called(&out, 1).unwrap_err().contains("no weights yet"));
    let jars = called(&out, 2).unwrap();
    assert_eq!(jars.len(), 2);
    assert!(jars.iter().all(|j| j.len() == 32 * 32));
    assert_ne!(jars[0], jars[1]);
    assert!(called(&out, 3)
        .unwrap_err()
        .contains("no function 'no-such-function'"));
    assert!(called(&out, 4).unwrap_err().contains("no weights yet"));
    // The same decode through the recipe's own network, outside the engine.
    let (net, p) = shipped::shipped("jar-ae", &genlab::tensor::Device::Cpu);
    let direct = net
        .call(&p, "decode", &[vec![1.0, -1.0]], &[])
        .unwrap()
        .unwrap();
    assert_eq!(direct[0], jars[1]);
}

#[test]
fn the_2d_reverse_process_steps_in_the_engine() {
    let mut h = Host::new(None, now_ms);
    let mut out = Vec::new();
    let bytes = std::fs::read(shipped::weights_dir().join("ddpm-swiss-roll.safetensors")).unwrap();
    ask(
        &mut h,
        Request::SetWeights {
            model: "ddpm-swiss-roll".into(),
            bytes,
        },
    );
    let points = vec![vec![0.5, -1.0], vec![2.0, 0.25], vec![-1.5, 1.5]];
    let step = |id, args: Vec<f64>| Request::Call {
        id,
        model: "ddpm-swiss-roll".into(),
        function: "reverse-step".into(),
        rows: points.clone(),
        args,
    };
    ask(&mut h, step(1, vec![50.0, 7.0]));
    ask(&mut h, step(2, vec![50.0, 7.0]));
    ask(&mut h, step(3, vec![]));
    collect(&mut h, &mut out);
    let a = called(&out, 1).unwrap();
    assert_eq!(a.len(), 3);
    assert!(a
        .iter()
        .all(|r| r.len() == 4 && r.iter().all(|v| v.is_finite())));
    assert_ne!(a[0][..2], points[0][..], "the points moved");
    assert_eq!(
        called(&out, 2).unwrap(),
        a,
        "same step, same seed: same answer"
    );
    assert!(called(&out, 3).is_err(), "a step needs t and a seed");
}
