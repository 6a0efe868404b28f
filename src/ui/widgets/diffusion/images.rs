//! Lesson 10's images: the conditional U-Net sampled from a prompt with classifier-free
//! guidance, step by step, and the feature classifier's reading of the samples.

use crate::data::avatar::{Avatar, FEATURES};
use crate::engine::protocol::SampleSpec;
use crate::models::diffusion as dm;
use crate::plot::fmt_num;
use crate::train::run::RunState;
use crate::ui::engine;
use crate::ui::kit::{
    image_grid, run_status, sample_into, Choice, SampleBatch, Select, Slider, TrainPanel,
};
use crate::ui::run_kit;
use crate::ui::training;
use leptos::prelude::*;

/// The prompt's drop-downs, by feature (their keys in the step's address).
const PROMPT_IDS: [&str; 5] = ["prompt-0", "prompt-1", "prompt-2", "prompt-3", "prompt-4"];

/// One finished or running batch of images: the job, and what the feature classifier
/// reads in each finished sample (the run itself is a [`SampleBatch`] beside it).
#[derive(Clone, PartialEq)]
struct ImageBatch {
    job: dm::ImageJob,
    read: Option<Vec<[usize; 5]>>,
}

/// The share of people in P_data who carry every value of `prompt`.
fn pdata_share(prompt: &[Option<u8>; 5]) -> f64 {
    let table = crate::models::autoencoder::pdata().table();
    table
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let a = Avatar::from_index(*i);
            (0..5).all(|f| prompt[f].is_none_or(|v| a.get(f) == v as usize))
        })
        .map(|(_, p)| p)
        .sum()
}

/// How many of the read samples carry each requested value, and all of them.
fn matches(prompt: &[Option<u8>; 5], read: &[[usize; 5]]) -> (Vec<(usize, usize)>, usize) {
    let per: Vec<(usize, usize)> = (0..5)
        .filter_map(|f| {
            let v = prompt[f]? as usize;
            Some((f, read.iter().filter(|r| r[f] == v).count()))
        })
        .collect();
    let all = read
        .iter()
        .filter(|r| (0..5).all(|f| prompt[f].is_none_or(|v| r[f] == v as usize)))
        .count();
    (per, all)
}

fn prompt_text(prompt: &[Option<u8>; 5]) -> String {
    let parts: Vec<String> = (0..5)
        .filter_map(|f| {
            prompt[f].map(|v| format!("{} {}", FEATURES[f].values[v as usize], FEATURES[f].name))
        })
        .collect();
    if parts.is_empty() {
        "no prompt".into()
    } else {
        parts.join(", ")
    }
}

/// Samples one batch in the engine, step by step, into `run`, and has the classifier read
/// the samples into `out`; stops when `live` says so.
async fn sample_batch(
    job: dm::ImageJob,
    (out, run): (RwSignal<Option<ImageBatch>>, RwSignal<SampleBatch>),
    live: impl Fn() -> bool,
    classifier: training::ModelHandle,
) {
    let _ = out.try_set(Some(ImageBatch { job, read: None }));
    let values = sample_into("avatar-unet", SampleSpec::Images(job), run, live).await;
    if let Some(x) = values {
        let rows = x.chunks(dm::AVATAR_PIXELS).map(<[f32]>::to_vec).collect();
        let read = classifier
            .call("classify", rows)
            .await
            .map(|r| crate::models::zoo::classified(&r));
        let _ = out.try_update(|b| {
            if let Some(b) = b {
                b.read = read;
            }
        });
    }
}

fn batch_view(b: ImageBatch, r: &SampleBatch, testid: &'static str) -> impl IntoView {
    let readout = b.read.as_ref().map(|read| {
        let (per, all) = matches(&b.job.prompt, read);
        let n = read.len();
        let mut parts: Vec<String> = per
            .iter()
            .map(|&(f, k)| {
                let v = b.job.prompt[f].unwrap_or(0) as usize;
                let p = crate::models::autoencoder::pdata().marginal(f)[v];
                format!(
                    "{} ({}): {k} of {n} (P_data: {} %)",
                    FEATURES[f].values[v],
                    FEATURES[f].name,
                    fmt_num(100.0 * p)
                )
            })
            .collect();
        if per.len() > 1 {
            parts.push(format!(
                "all of them: {all} of {n} (P_data: {} %)",
                fmt_num(100.0 * pdata_share(&b.job.prompt))
            ));
        }
        if parts.is_empty() {
            format!("The feature classifier read {n} samples (no prompt to check).")
        } else {
            format!("The feature classifier finds {}.", parts.join("; "))
        }
    });
    view! {
        <div class="image-batch" data-testid=testid data-finished=r.finished.to_string() data-count=r.images.len().to_string()>
            <p class="muted small">{format!("{} · guidance w = {} · {}", prompt_text(&b.job.prompt), fmt_num(b.job.w as f64), match b.job.sampler { dm::Sampler::Ddpm => "DDPM", dm::Sampler::Ddim => "DDIM" })}</p>
            {run_status(r, testid, "showing the current guess x̂₀")}
            {image_grid(&r.images, 32, 56, 8, "sample")}
            {readout.map(|r| view! { <p class="readout" data-testid=format!("{testid}-readout")>{r}</p> })}
        </div>
    }
}

#[component]
pub fn DiffusionImages() -> impl IntoView {
    let unet = training::model("avatar-unet");
    let classifier = training::model("feature-classifier");
    unet.ensure_loaded();
    classifier.ensure_loaded();
    // The prompt: one value per feature or "any"; the lesson opens on red hair + hoodie.
    let prompt: [RwSignal<Option<u8>>; 5] = [
        RwSignal::new(None),
        RwSignal::new(None),
        RwSignal::new(Some(0)),
        RwSignal::new(Some(4)),
        RwSignal::new(None),
    ];
    let w = RwSignal::new(3.0);
    let steps = RwSignal::new(50.0);
    let ddim = RwSignal::new(true);
    let seed = RwSignal::new(1u64);
    let run = RwSignal::new(RunState::default());
    let running = move || run.with(|r| r.running());
    let main = (
        RwSignal::new(None::<ImageBatch>),
        RwSignal::new(SampleBatch::default()),
    );
    let plain = (
        RwSignal::new(None::<ImageBatch>),
        RwSignal::new(SampleBatch::default()),
    );
    let job = move |guided: bool| dm::ImageJob {
        sampler: if ddim.get_untracked() {
            dm::Sampler::Ddim
        } else {
            dm::Sampler::Ddpm
        },
        steps: steps.get_untracked() as usize,
        n: 16,
        prompt: if guided {
            prompt.map(|p| p.get_untracked())
        } else {
            [None; 5]
        },
        w: if guided {
            w.get_untracked() as f32
        } else {
            0.0
        },
        seed: seed.get_untracked(),
    };
    type Out = (RwSignal<Option<ImageBatch>>, RwSignal<SampleBatch>);
    let launch = move |jobs: Vec<(dm::ImageJob, Out)>| {
        run_kit::run_in_background(run, move |ticket| async move {
            for (j, out) in jobs {
                sample_batch(j, out, move || ticket.live(), classifier).await;
                if !ticket.live() {
                    break;
                }
            }
        });
    };
    let generate = move |_| {
        plain.0.set(None);
        launch(vec![(job(true), main)]);
    };
    let compare = move |_| {
        let mut j = job(false);
        if let Some(b) = main.0.get_untracked() {
            j.seed = b.job.seed;
            j.sampler = b.job.sampler;
            j.steps = b.job.steps;
        }
        launch(vec![(j, plain)]);
    };
    let cancel = move |_| run.update(|r| r.pause());
    let engine_state = engine::state();
    let ready = move || {
        matches!(unet.weights.get(), training::WeightsState::Ready(_))
            && engine_state.get() == engine::EngineState::Ready
    };
    let selects = (0..5)
        .map(|f| {
            let sig = prompt[f];
            let mut options = vec![(None, "any", "any")];
            options.extend(
                FEATURES[f]
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, &name)| (Some(i as u8), name, name)),
            );
            view! { <Select label=FEATURES[f].name options value=sig testid=PROMPT_IDS[f]/> }
        })
        .collect_view();
    view! {
        <TrainPanel model=unet steps=2000 title="the U-Net"/>
        <div class="controls prompt">{selects}</div>
        <Slider label="guidance w" min=0.0 max=8.0 step=0.5 value=w testid="guidance"/>
        <Choice label="Sampler:" options=vec![(true, "DDIM", "sampler-ddim"), (false, "DDPM", "sampler-ddpm")] value=ddim testid="sampler"/>
        <Slider label="steps" min=10.0 max=250.0 step=10.0 value=steps testid="sample-steps"/>
        <div class="controls">
            <button class="primary" data-testid="generate" on:click=generate disabled=move || running() || !ready()>"Generate 16 people"</button>
            <button data-testid="generate-plain" on:click=compare disabled=move || running() || !ready()>"Same noise, no prompt"</button>
            <button data-testid="cancel-sampling" on:click=cancel disabled=move || !running()>"Cancel"</button>
            <button on:click=move |_| seed.update(|s| *s += 1) disabled=move || running()>"New noise"</button>
            <span class="muted small">{move || format!("noise seed {}", seed.get())}</span>
        </div>
        {move || main.0.get().map(|b| batch_view(b, &main.1.get(), "samples"))}
        {move || plain.0.get().map(|b| batch_view(b, &plain.1.get(), "samples-plain"))}
    }
}
