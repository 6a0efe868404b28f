//! Lesson 7's PixelCNN: people drawn pixel by pixel in raster order on the chosen path,
//! the preview growing row by row, and every person drawn read by the feature classifier
//! against P_data; a real person's lower half hidden and completed four
//! times; the bits per pixel of held-out people beside the independent per-pixel model on
//! the same palette; the training panel.

use crate::data::draw::{palette_indices, palette_rgb, SIZE};
use crate::data::{PData, Rng};
use crate::engine::protocol::SampleSpec;
use crate::models::autoencoder::{chw_from_rgb, pdata};
use crate::models::judge::Verdict;
use crate::models::pixelcnn::{bits_per_pixel, training_images, IndependentPixels, PIXELS};
use crate::models::zoo::classified;
use crate::plot::fmt_num;
use crate::train::run::RunState;
use crate::ui::kit::{
    against_pdata, image_grid, image_row, run_status, sample_into, weights_wait, SampleBatch,
    TrainPanel,
};
use crate::ui::run_kit::{self, async_memo, next_tick};
use crate::ui::training;
use leptos::prelude::*;

const CNN: &str = "pixelcnn";
/// People drawn at once.
const DRAWN: usize = 8;
/// Completions of one person.
const COMPLETIONS: usize = 4;
/// Rows of the person the model is shown.
const KEPT_ROWS: usize = 16;
/// Held-out people measured in the page.
const MEASURED: usize = 64;
/// People the independent per-pixel model counts.
const COUNTED: usize = 400;

/// Eight people drawn pixel by pixel, with progress and cancel; the feature classifier's
/// reading of everyone these weights have drawn; the training panel.
pub fn draw() -> impl IntoView {
    let model = training::model(CNN);
    let classifier = training::model("feature-classifier");
    model.ensure_loaded();
    classifier.ensure_loaded();
    let seed = RwSignal::new(1u64);
    let batch = RwSignal::new(SampleBatch::default());
    let run = RwSignal::new(RunState::default());
    // What the classifier read in the people drawn, and the weights version that drew them.
    let read = RwSignal::new((0u64, Vec::<[usize; 5]>::new()));
    let start = move || {
        let s = seed.get_untracked();
        run_kit::run_in_background(run, move |ticket| async move {
            let spec = SampleSpec::Draw { n: DRAWN, seed: s };
            let Some(values) = sample_into(CNN, spec, batch, move || ticket.live()).await else {
                return;
            };
            let version = model.version.get_untracked();
            let rows = values
                .chunks(PIXELS)
                .map(|px| {
                    chw_from_rgb(&palette_rgb(
                        &px.iter().map(|&v| v as u8).collect::<Vec<_>>(),
                    ))
                })
                .collect();
            if let Some(r) = classifier.call("classify", rows).await {
                let people = classified(&r);
                let _ = read.try_update(|(v, all)| {
                    if *v != version {
                        all.clear();
                        *v = version;
                    }
                    all.extend(people);
                });
            }
        });
    };
    let readings = Signal::derive(move || {
        read.with(|(_, all)| {
            if all.is_empty() {
                Vec::new()
            } else {
                vec![("PixelCNN".to_string(), Verdict::of(all, pdata()))]
            }
        })
    });
    let running = move || run.with(|r| r.running());
    view! {
        {move || (model.version.get() == 0).then(|| weights_wait(model))}
        <div class="controls">
            <button class="primary" data-testid="pixels-draw" disabled=move || running() || model.version.get() == 0
                on:click=move |_| { seed.update(|s| *s += 1); start(); }>"Draw 8 people, pixel by pixel"</button>
            <button data-testid="pixels-cancel" disabled=move || !running() on:click=move |_| run.update(|r| r.pause())>"Cancel"</button>
        </div>
        <div data-testid="pixels-drawn">{move || {
            let b = batch.get();
            (b.total > 0).then(|| view! { {image_grid(&b.images, SIZE, 64, 8, "sample")} {run_status(&b, "pixels-drawn", "drawing")} })
        }}</div>
        {move || read.with(|(_, all)| (!all.is_empty()).then(|| view! {
            <p class="muted">{format!("What the feature classifier reads in the {} people these weights have drawn here (each draw adds {DRAWN}):", all.len())}</p>
        }))}
        {against_pdata("pixels-truth", readings)}
        <TrainPanel model=model steps=300 title="the PixelCNN"/>
    }
}

/// A real person, the lower half hidden, completed four times by the model, with progress
/// and cancel.
pub fn complete() -> impl IntoView {
    let model = training::model(CNN);
    model.ensure_loaded();
    let who = RwSignal::new(3u64);
    let batch = RwSignal::new(SampleBatch::default());
    let run = RwSignal::new(RunState::default());
    let person = move || palette_indices(&PData::default().sample(&mut Rng::new(0xc0 ^ who.get())));
    let go = move || {
        let given = vec![person(); COMPLETIONS];
        let s = who.get_untracked();
        run_kit::run_in_background(run, move |ticket| async move {
            let spec = SampleSpec::Complete {
                given,
                rows: KEPT_ROWS,
                seed: s,
            };
            sample_into(CNN, spec, batch, move || ticket.live()).await;
        });
    };
    let shown = move || {
        let full = person();
        let mut half = full.clone();
        // The hidden half drawn as background.
        half[KEPT_ROWS * SIZE..].iter_mut().for_each(|v| *v = 0);
        image_row(
            "",
            vec![palette_rgb(&full), palette_rgb(&half)],
            SIZE,
            96,
            vec!["the person".into(), "what the model is shown".into()],
        )
    };
    view! {
        {move || (model.version.get() == 0).then(|| weights_wait(model))}
        <div data-testid="pixels-person">{shown}</div>
        <div class="controls">
            <button class="primary" data-testid="pixels-complete" disabled=move || run.with(|r| r.running()) || model.version.get() == 0
                on:click=move |_| go()>"Complete the lower half, 4 times"</button>
            <button data-testid="pixels-complete-cancel" disabled=move || !run.with(|r| r.running()) on:click=move |_| run.update(|r| r.pause())>"Cancel"</button>
            <button data-testid="pixels-other" disabled=move || run.with(|r| r.running()) on:click=move |_| who.update(|w| *w += 1)>"Another person"</button>
        </div>
        <div data-testid="pixels-completions">{move || {
            let b = batch.get();
            (b.total > 0).then(|| view! { {image_grid(&b.images, SIZE, 96, 4, "sample")} {run_status(&b, "pixels-completions", "completing")} })
        }}</div>
    }
}

/// Bits per pixel of held-out people: the PixelCNN (exact, from one pass) beside the
/// independent per-pixel model counted on other people.
pub fn against_independent() -> impl IntoView {
    let model = training::model(CNN);
    model.ensure_loaded();
    let held: Vec<Vec<u8>> = crate::models::pixelcnn::held_out()
        .into_iter()
        .take(MEASURED)
        .collect();
    let rows: Vec<Vec<f32>> = held
        .iter()
        .map(|i| i.iter().map(|&v| v as f32).collect())
        .collect();
    let cnn = async_memo(move || {
        let f = model.call("bits", rows.clone());
        async move {
            let b: Vec<f64> = f.await?.into_iter().map(|r| r[0] as f64).collect();
            Some(bits_per_pixel(&b))
        }
    });
    // The independent model is counted a few dozen people per browser turn.
    let independent = RwSignal::new(None::<f64>);
    let run = RwSignal::new(RunState::default());
    let held2 = held.clone();
    run_kit::run_in_background(run, move |ticket| async move {
        let mut rng = Rng::new(5);
        let mut train = Vec::new();
        while train.len() < COUNTED {
            next_tick().await;
            if !ticket.live() {
                return;
            }
            train.extend(training_images(50, &mut rng));
        }
        let m = IndependentPixels::fit(&train, 0.01);
        let b: Vec<f64> = held2.iter().map(|i| m.bits(i)).collect();
        independent.set(Some(bits_per_pixel(&b)));
    });
    let cell = |v: Option<f64>| v.map_or("…".to_string(), fmt_num);
    // The drawing is exact and tells people apart, so an image carries exactly P_data's
    // entropy: the floor any model of these pictures can reach.
    let truth: f64 = PData::default()
        .table()
        .iter()
        .filter(|&&p| p > 0.0)
        .map(|p| -p * p.log2())
        .sum();
    view! {
        <table class="data" tabindex="0" data-testid="pixels-bits">
            <thead><tr><th>"model"</th><th class="num">"bits per pixel"</th><th class="num">"bits per person"</th></tr></thead>
            <tbody>
                <tr><td>{format!("independent pixels (counted on {COUNTED} people)")}</td><td class="num">{move || cell(independent.get())}</td><td class="num">{move || cell(independent.get().map(|b| b * PIXELS as f64))}</td></tr>
                <tr><td>"PixelCNN"</td><td class="num">{move || cell(cnn.get())}</td><td class="num">{move || cell(cnn.get().map(|b| b * PIXELS as f64))}</td></tr>
                <tr><td>"the truth: H(P_data), one picture per person"</td><td class="num">{fmt_num(truth / PIXELS as f64)}</td><td class="num">{fmt_num(truth)}</td></tr>
            </tbody>
        </table>
        <p class="muted">{format!("Measured on the same {MEASURED} held-out people, in the drawing's palette of {} colours.", crate::data::draw::N_PALETTE)}</p>
    }
}
