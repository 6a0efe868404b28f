//! The restricted Boltzmann machine on people in black and white: trained here by CD-k
//! (k chosen by the reader) with its hidden units' filters drawn as it learns; Gibbs
//! chains from coin flips, animated sweep by sweep; inpainting (the top half clamped);
//! and pictures ranked by free energy.

use crate::data::Rng;
use crate::models::autoencoder::held_out_people;
use crate::models::rbm::{
    anomaly_set, binary_avatar, bits_rgb, filter_rgb, people_pictures, people_reached, MAX_K, SIDE,
    VISIBLE,
};
use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::train::run::RunState;
use crate::ui::browser::now_ms;
use crate::ui::kit::{
    history_line, image, image_grid, ranked_images, weights_wait, Slider, TrainPanel,
};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training::{self, ModelHandle};
use leptos::prelude::*;

/// The machine the lesson trains and ships.
const RBM: &str = "rbm-avatars";
/// Steps of a run started in the tab.
const TAB_STEPS: u64 = 1500;
/// Hidden units whose filters are drawn.
const FILTERS_SHOWN: usize = 32;
/// Chains run side by side from coin flips, and with the top half clamped.
const CHAINS: usize = 16;
const INPAINTED: usize = 8;
/// Sweeps a run of the chains stops after.
const MAX_SWEEPS: usize = 200;
/// Rows of pixels clamped when inpainting: the top half.
const CLAMPED_ROWS: usize = SIDE / 2;
/// Held-out people the inpainting step offers, in turn.
const PEOPLE: usize = 12;

/// `n` pictures of coin flips from `seed`.
fn coin_flips(n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| (0..VISIBLE).map(|_| rng.below(2) as f32).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Training, and what the hidden units look for.

pub(super) fn train() -> impl IntoView {
    let model = training::model(RBM);
    model.ensure_loaded();
    let k = RwSignal::new(1.0);
    let options = Signal::derive(move || vec![("k".to_string(), vec![k.get() as f32])]);
    let filters = async_memo(move || {
        let f = model.call("filters", Vec::new());
        async move { Some(f.await?) }
    });
    let grid = move || {
        filters.with(|f| {
            f.as_ref().map(|f| {
                let pics: Vec<Vec<u8>> = f
                    .iter()
                    .take(FILTERS_SHOWN)
                    .map(|w| filter_rgb(w))
                    .collect();
                image_grid(&pics, SIDE, 56, 8, "hidden unit").into_any()
            })
        })
    };
    // The reconstruction error of a run here, beside the panel's loss curve (on the loss's
    // axis, which goes far below zero, it would be a flat line).
    let recon = move || {
        let pts: Vec<(f64, f64)> = model.history.with(|h| {
            let recon = |p: &(u64, f32, Vec<f32>)| p.2.first().copied().unwrap_or(f32::NAN);
            let mut line = history_line(h, &recon);
            line.retain(|p| p.1 > 0.0);
            line
        });
        if pts.len() < 2 {
            return String::new();
        }
        let (lo, hi) = pts
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let last = pts[pts.len() - 1];
        let mut f = Figure::new(Scale::Linear { lo: 0.0, hi: last.0 }, Scale::Log { lo: lo * 0.8, hi: hi * 1.25 })
            .size(480.0, 200.0)
            .labels("training step", "squared error per pixel (log scale)")
            .title("Reconstruction error, one sweep away")
            .describe(format!("Mean squared error between training pictures and their pixel probabilities one sweep away, over {} steps; latest {}.", last.0, fmt_num(last.1)));
        f.push(Layer::Line {
            pts,
            colour: PALETTE[1].into(),
            dashed: false,
            label: Some("reconstruction".into()),
        });
        f.to_svg()
    };
    view! {
        <Slider label="k, Gibbs sweeps per step of CD-k (next run)" min=1.0 max=MAX_K as f64 step=1.0 value=k testid="rbm-k"/>
        <TrainPanel model=model steps=TAB_STEPS title="the machine" options=options/>
        <div class="plot-host" data-testid="rbm-recon-curve" inner_html=recon></div>
        <figure class="filters" data-testid="rbm-filters">
            {move || grid().unwrap_or_else(|| weights_wait(model).into_any())}
            <figcaption>{format!("The weights of the first {FILTERS_SHOWN} hidden units, each as a picture: red where an inked pixel turns the unit on, blue where it turns it off, white where the pixel does not matter (each scaled by its own largest weight).")}</figcaption>
        </figure>
    }
}

// ---------------------------------------------------------------------------------------
// Gibbs chains, free or with the top half clamped.

/// Chains of Gibbs sweeps run in the engine, one sweep a frame: their states, sweeps done,
/// and the rate measured since the last start.
#[derive(Clone, Copy)]
struct Chains {
    model: ModelHandle,
    states: RwSignal<Vec<Vec<f32>>>,
    sweeps: RwSignal<usize>,
    run: RwSignal<RunState>,
    /// When the current run started, and the sweep count then.
    since: RwSignal<(f64, usize)>,
    rate: RwSignal<f64>,
    clamped_rows: usize,
}

impl Chains {
    fn new(model: ModelHandle, start: Vec<Vec<f32>>, clamped_rows: usize) -> Chains {
        Chains {
            model,
            states: RwSignal::new(start),
            sweeps: RwSignal::new(0),
            run: RwSignal::new(RunState::default()),
            since: RwSignal::new((0.0, 0)),
            rate: RwSignal::new(f64::NAN),
            clamped_rows,
        }
    }

    fn running(self) -> bool {
        self.run.with(|r| r.running())
    }

    /// Runs the chains, or pauses them if they run.
    fn toggle(self) {
        if self.run.with_untracked(|r| r.running()) {
            self.run.update(|r| r.pause());
            return;
        }
        if self.sweeps.get_untracked() >= MAX_SWEEPS {
            return;
        }
        self.since.set((now_ms(), self.sweeps.get_untracked()));
        run_kit::drive(self.run, move |ticket| async move {
            let done = self.sweeps.get_untracked();
            let args = vec![1.0, (1000 + done) as f64, self.clamped_rows as f64];
            let now = self.states.get_untracked();
            let Some(out) = self.model.call_with("gibbs", now, args).await else {
                return false;
            };
            if !ticket.live() {
                return false;
            }
            self.states
                .set(out.into_iter().map(|r| r[..VISIBLE].to_vec()).collect());
            self.sweeps.set(done + 1);
            let (t0, s0) = self.since.get_untracked();
            let secs = (now_ms() - t0) / 1000.0;
            if secs > 0.0 {
                self.rate.set((done + 1 - s0) as f64 / secs);
            }
            done + 1 < MAX_SWEEPS
        });
    }

    /// Stops the chains and puts them back at `start`.
    fn reset(self, start: Vec<Vec<f32>>) {
        self.run.update(|r| r.pause());
        self.states.set(start);
        self.sweeps.set(0);
        self.rate.set(f64::NAN);
    }

    fn pictures(self) -> Vec<Vec<u8>> {
        self.states
            .with(|s| s.iter().map(|v| bits_rgb(v)).collect())
    }

    /// "sweep n of max · r sweeps/s".
    fn progress(self) -> String {
        let rate = self.rate.get();
        let rate = if rate.is_finite() {
            format!(" · {} sweeps/s", fmt_num(rate))
        } else {
            String::new()
        };
        format!("sweep {} of {MAX_SWEEPS}{rate}", self.sweeps.get())
    }

    fn buttons(self, testid: &'static str, again: impl Fn() + 'static) -> impl IntoView {
        view! {
            <div class="controls">
                <button class="primary" data-testid=format!("{testid}-play") disabled=move || self.model.version.get() == 0 on:click=move |_| self.toggle()>
                    {move || if self.running() { "Pause" } else if self.sweeps.get() >= MAX_SWEEPS { "Done" } else { "Run the chains" }}
                </button>
                <button data-testid=format!("{testid}-restart") on:click=move |_| again()>"Start again from coin flips"</button>
            </div>
        }
    }
}

pub(super) fn gibbs() -> impl IntoView {
    let model = training::model(RBM);
    model.ensure_loaded();
    let seed = RwSignal::new(1u64);
    let chains = Chains::new(model, coin_flips(CHAINS, 1), 0);
    let again = move || {
        seed.update(|s| *s += 1);
        chains.reset(coin_flips(CHAINS, seed.get_untracked()));
    };
    let readout = move || {
        let n = chains.states.with(|s| people_reached(s));
        format!(
            "{} · the {CHAINS} chains are nearest to {n} different people of the {} pictures Avatar World draws.",
            chains.progress(),
            people_pictures().len()
        )
    };
    view! {
        {chains.buttons("rbm-gibbs", again)}
        <div data-testid="rbm-chains">{move || image_grid(&chains.pictures(), SIDE, 64, 8, "chain")}</div>
        <p class="stats" data-testid="rbm-gibbs-readout">{readout}</p>
    }
}

/// The held-out people the inpainting step offers, in black and white.
fn people() -> Vec<Vec<f32>> {
    held_out_people(PEOPLE, 31)
        .iter()
        .map(|a| binary_avatar(a).to_vec())
        .collect()
}

/// `person`'s top half above coin flips, for each chain.
fn half_and_flips(person: &[f32], seed: u64) -> Vec<Vec<f32>> {
    let top = CLAMPED_ROWS * SIDE;
    coin_flips(INPAINTED, seed)
        .into_iter()
        .map(|flips| [&person[..top], &flips[top..]].concat())
        .collect()
}

pub(super) fn inpaint() -> impl IntoView {
    let model = training::model(RBM);
    model.ensure_loaded();
    let people = StoredValue::new(people());
    let which = RwSignal::new(0usize);
    let person = move || people.with_value(|p| p[which.get() % PEOPLE].clone());
    let chains = Chains::new(
        model,
        half_and_flips(&people.with_value(|p| p[0].clone()), 1),
        CLAMPED_ROWS,
    );
    let again = move || chains.reset(half_and_flips(&person(), which.get_untracked() as u64 + 1));
    let next = move |_| {
        which.update(|w| *w = (*w + 1) % PEOPLE);
        again();
    };
    // How far the drawn bottom halves are from this person's own, in pixels.
    let readout = move || {
        let own = person();
        let bottom = CLAMPED_ROWS * SIDE..VISIBLE;
        let off = chains.states.with(|s| {
            s.iter()
                .map(|v| {
                    bottom
                        .clone()
                        .filter(|&i| (v[i] > 0.5) != (own[i] > 0.5))
                        .count()
                })
                .sum::<usize>() as f64
                / s.len().max(1) as f64
        });
        format!(
            "{} · the drawn bottom halves differ from this person's own in {} of {} pixels on average.",
            chains.progress(),
            fmt_num(off),
            VISIBLE - CLAMPED_ROWS * SIDE
        )
    };
    view! {
        <div class="image-row">
            <span class="row-label">"The person"</span>
            {move || image(&bits_rgb(&person()), SIDE, 64, "the held-out person")}
            <button data-testid="rbm-next-person" on:click=next>"Another person"</button>
        </div>
        {chains.buttons("rbm-inpaint", again)}
        <div data-testid="rbm-inpainted">{move || image_grid(&chains.pictures(), SIDE, 64, 8, "completion")}</div>
        <p class="stats" data-testid="rbm-inpaint-readout">{readout}</p>
    }
}

// ---------------------------------------------------------------------------------------
// Anomalies by free energy.

pub(super) fn anomaly() -> impl IntoView {
    let model = training::model(RBM);
    model.ensure_loaded();
    let (set, rows): (Vec<_>, Vec<_>) = anomaly_set()
        .into_iter()
        .map(|(label, bits, odd)| ((label, bits_rgb(&bits), odd), bits))
        .unzip();
    let energies = async_memo(move || {
        let f = model.call("free-energy", rows.clone());
        async move { Some(f.await?.iter().map(|r| r[0] as f64).collect::<Vec<f64>>()) }
    });
    view! {
        {move || match energies.get() {
            Some(f) => ranked_images(&set, &f, SIDE, "F =").into_any(),
            None => weights_wait(model).into_any(),
        }}
    }
}
