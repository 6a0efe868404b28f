//! Lesson 6's second half: a DCGAN on Avatar World. A grid of the people it draws (on the
//! compute path the badge chose), the same people over training, a walk in its noise
//! space, and its samples read by the feature classifier against P_data, beside lesson
//! 5's VAE on the same figures.

use crate::data::draw::SIZE;
use crate::engine::protocol::SampleSpec;
use crate::models::autoencoder::{self as ae, rgb_from_chw};
use crate::models::dcgan::GAN_NOISE;
use crate::models::judge::Verdict;
use crate::models::zoo::{classified, AVATAR_LATENT};
use crate::train::run::RunState;
use crate::ui::kit::{
    against_pdata, image_grid, image_row, run_status, sample_into, weights_wait, SampleBatch,
    Slider, TrainPanel,
};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training::{self, ModelHandle};
use leptos::prelude::*;

const GAN: &str = "avatar-gan";
const VAE: &str = "avatar-vae";
/// People in the grid.
const GRID_N: usize = 16;
/// Steps of a run started in the tab.
const TAB_STEPS: u64 = 600;
/// Samples each model gives the classifier.
const JUDGED: usize = 256;
/// Images along a walk.
const WALK: usize = 9;

/// Sixteen people from the generator, drawn in the engine on the chosen path; again on
/// "Draw again" and whenever the weights change; and the DCGAN's training panel.
pub fn people() -> impl IntoView {
    let model = training::model(GAN);
    model.ensure_loaded();
    let seed = RwSignal::new(1u64);
    let batch = RwSignal::new(SampleBatch::default());
    let run = RwSignal::new(RunState::default());
    Effect::new(move |_| {
        let s = seed.get();
        // Follow the weights: a new version draws again.
        if model.version.get() == 0 {
            return;
        }
        run_kit::run_in_background(run, move |ticket| async move {
            let spec = SampleSpec::Draw { n: GRID_N, seed: s };
            sample_into(GAN, spec, batch, move || ticket.live()).await;
        });
    });
    let grid = move || {
        let b = batch.get();
        let starting = b.total == 0 && run.with(|r| r.running());
        view! {
            {image_grid(&b.images, SIZE, 64, 8, "sample")}
            {(b.total > 0).then(|| run_status(&b, "gan-people", "drawing"))}
            {starting.then(|| view! { <p class="muted">"Drawing 16 people…"</p> })}
        }
    };
    view! {
        {move || (model.version.get() == 0).then(|| weights_wait(model))}
        <div class="controls">
            <button data-testid="gan-people-again" on:click=move |_| seed.update(|s| *s += 1)>"Draw 16 more"</button>
        </div>
        <div data-testid="gan-people">{grid}</div>
        <TrainPanel model=model steps=TAB_STEPS title="the DCGAN"/>
    }
}

/// The generator's noise for walk end `seed`.
fn noise(seed: u64) -> Vec<f32> {
    ae::standard_normal_codes(1, GAN_NOISE, seed).remove(0)
}

/// A straight walk from noise `a` to noise `b`, `WALK` points, each rescaled to the length
/// a draw of that many Gaussian numbers has (√d): points halfway along a straight line
/// are shorter than any the generator was trained on.
fn walk(a: &[f32], b: &[f32]) -> Vec<Vec<f32>> {
    let typical = (a.len() as f32).sqrt();
    (0..WALK)
        .map(|i| {
            let t = i as f32 / (WALK - 1) as f32;
            let z: Vec<f32> = a
                .iter()
                .zip(b)
                .map(|(x, y)| (1.0 - t) * x + t * y)
                .collect();
            let len = z.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
            z.iter().map(|v| v * typical / len).collect()
        })
        .collect()
}

/// Nine people on a walk between two points of noise space, and a slider that shows one
/// step of it large.
pub fn noise_walk() -> impl IntoView {
    let model = training::model(GAN);
    model.ensure_loaded();
    let ends = RwSignal::new((11u64, 12u64));
    let at = RwSignal::new(4.0f64);
    let images = async_memo(move || {
        let (a, b) = ends.get();
        let f = model.call("generate", walk(&noise(a), &noise(b)));
        async move { Some(f.await?.iter().map(|x| rgb_from_chw(x)).collect::<Vec<_>>()) }
    });
    let row = move || {
        images.get().map(|ims| {
            let titles = (0..WALK)
                .map(|i| format!("step {i} of {}", WALK - 1))
                .collect();
            image_row("", ims, SIZE, 48, titles)
        })
    };
    let large = move || {
        images.get().and_then(|ims| {
            let i = (at.get().round() as usize).min(WALK - 1);
            ims.get(i)
                .map(|im| crate::ui::kit::image(im, SIZE, 128, &format!("step {i} of the walk")))
        })
    };
    view! {
        <div class="controls">
            <button data-testid="gan-walk-new" on:click=move |_| ends.update(|(a, b)| { *a += 2; *b += 2; })>"Two other people"</button>
        </div>
        {move || images.get().is_none().then(|| weights_wait(model))}
        <div data-testid="gan-walk">{row}</div>
        <Slider label="Along the walk:" min=0.0 max=(WALK - 1) as f64 step=1.0 value=at testid="gan-walk-at"/>
        <div class="walk-large">{large}</div>
    }
}

/// The classifier's reading of `JUDGED` people from the GAN and from the VAE, against
/// P_data: each feature's shares, their distances, and how many distinct people.
pub fn against_truth() -> impl IntoView {
    let (m_gan, m_vae, m_cls) = (
        training::model(GAN),
        training::model(VAE),
        training::model("feature-classifier"),
    );
    for m in [m_gan, m_vae, m_cls] {
        m.ensure_loaded();
    }
    let judged = move |m: ModelHandle, function: &'static str, dim: usize| {
        async_memo(move || {
            let drawn = m.call(function, ae::standard_normal_codes(JUDGED, dim, 2718));
            m_cls.version.track();
            async move {
                let pictures = drawn.await?;
                let read = m_cls.call("classify", pictures.clone()).await?;
                Some(Verdict::of(&classified(&read), ae::pdata()).with_pictures(&pictures))
            }
        })
    };
    let gan = judged(m_gan, "generate", GAN_NOISE);
    let vae = judged(m_vae, "decode", AVATAR_LATENT);
    let both = Signal::derive(move || match (gan.get(), vae.get()) {
        (Some(g), Some(v)) => vec![("GAN".to_string(), g), ("VAE".to_string(), v)],
        _ => Vec::new(),
    });
    view! {
        {move || gan.get().is_none().then(|| weights_wait(m_gan))}
        {against_pdata("gan-truth", both)}
    }
}

/// The networks whose people the checkpoint rows show: the recipe's run stopped early, and
/// the shipped one (each a recipe of its own, from the same seed: the same run).
const CHECKPOINTS: [&str; 3] = ["avatar-gan-500", "avatar-gan-2000", GAN];
/// People per checkpoint row.
const ROW: usize = 8;

/// The same eight points of noise, drawn by the generator after 500, 2000 and 6000
/// training steps: quality growing over training.
pub fn checkpoints() -> impl IntoView {
    let rows = CHECKPOINTS.map(|name| {
        let m = training::model(name);
        m.ensure_loaded();
        let images = async_memo(move || {
            let f = m.call("generate", ae::standard_normal_codes(ROW, GAN_NOISE, 21));
            async move { Some(f.await?.iter().map(|x| rgb_from_chw(x)).collect::<Vec<_>>()) }
        });
        // Labelled with the steps the weights file itself records.
        move || {
            let steps = m.shipped_steps.get()?;
            images.get().map(|ims| {
                let titles = (1..=ROW)
                    .map(|i| format!("person {i} after {steps} steps"))
                    .collect();
                image_row(&format!("after {steps} steps"), ims, SIZE, 48, titles)
            })
        }
    });
    view! {
        <div data-testid="gan-checkpoints">{rows.map(|r| view! { <div>{r}</div> }).collect_view()}</div>
    }
}
