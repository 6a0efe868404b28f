//! The training panel every trainable model shows (train, stop, resume, the shipped
//! weights, a progress bar, the loss curves, messages), and what the page says when the
//! engine is not there.

use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::ui::engine::{self, EngineState};
use crate::ui::training::{describe, JobStatus, ModelHandle, WeightsState};
use leptos::prelude::*;

/// The loss curve of a training run: the total and each named part, against the step; on
/// a log scale, or a linear one where a loss reaches zero or below (a negative
/// log-likelihood of a density above 1).
/// One number of each point of a training history (`pick`), as a line of at most ~300
/// points: runs of steps averaged, each placed at its last step; non-finite ones left out.
pub fn history_line(
    history: &[(u64, f32, Vec<f32>)],
    pick: &dyn Fn(&(u64, f32, Vec<f32>)) -> f32,
) -> Vec<(f64, f64)> {
    let every = history.len().div_ceil(300).max(1);
    history
        .chunks(every)
        .map(|c| {
            let m = c.iter().map(|p| pick(p) as f64).sum::<f64>() / c.len() as f64;
            (c[c.len() - 1].0 as f64, m)
        })
        .filter(|p| p.1.is_finite())
        .collect()
}

pub fn loss_svg(history: &[(u64, f32, Vec<f32>)], parts: &[String], title: &str) -> String {
    let last = history.last().map_or(1, |p| p.0).max(1) as f64;
    let series = |pick: &dyn Fn(&(u64, f32, Vec<f32>)) -> f32| history_line(history, pick);
    let mut lines = vec![("loss".to_string(), series(&|p| p.1))];
    if parts.len() > 1 {
        for (i, n) in parts.iter().enumerate() {
            lines.push((n.clone(), series(&|p| p.2.get(i).copied().unwrap_or(0.0))));
        }
    }
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for (_, l) in &lines {
        for p in l {
            lo = lo.min(p.1);
            hi = hi.max(p.1);
        }
    }
    if lo > hi {
        (lo, hi) = (0.1, 1.0);
    }
    let y = if lo > 0.0 {
        Scale::Log {
            lo: lo * 0.8,
            hi: hi * 1.25,
        }
    } else {
        let pad = 0.08 * (hi - lo).max(1e-3);
        Scale::Linear {
            lo: lo - pad,
            hi: hi + pad,
        }
    };
    let log = matches!(y, Scale::Log { .. });
    let mut f = Figure::new(Scale::Linear { lo: 0.0, hi: last }, y)
        .size(480.0, 220.0)
        .labels(
            "training step",
            if log { "loss (log scale)" } else { "loss" },
        )
        .title(title)
        .describe(format!(
            "Loss curve over {} steps{}",
            history.len(),
            history
                .last()
                .map(|p| format!("; latest loss {}", fmt_num(p.1 as f64)))
                .unwrap_or_default()
        ));
    for (i, (name, pts)) in lines.into_iter().enumerate() {
        f.push(Layer::Line {
            pts,
            colour: PALETTE[i % PALETTE.len()].into(),
            dashed: i > 0,
            label: Some(name),
        });
    }
    f.to_svg()
}

/// Train / stop / resume, a progress bar, the loss curves and any messages, for one model.
/// `beta`, when given, is the KL weight a new run uses.
#[component]
pub fn TrainPanel(
    model: ModelHandle,
    /// Steps of a run started here.
    steps: u64,
    #[prop(optional)] beta: Option<RwSignal<f64>>,
    #[prop(into)] title: String,
    /// The reader's settings for a new run (`zoo::Options`), where the model takes any.
    #[prop(optional, into)]
    options: Option<Signal<Vec<(String, Vec<f32>)>>>,
    /// The seed of a new run (default: a fresh one each time).
    #[prop(optional, into)]
    seed: Option<Signal<u64>>,
) -> impl IntoView {
    model.ensure_loaded();
    let name = model.name;
    let running = move || model.status.get() == JobStatus::Running;
    let can_resume = move || {
        matches!(
            model.status.get(),
            JobStatus::Paused | JobStatus::Done | JobStatus::Failed(_)
        ) && model.step.get() > 0
    };
    let start = move |_| {
        model.train_with(
            steps,
            beta.map(|b| b.get_untracked() as f32),
            seed.map(|s| s.get_untracked()),
            options.map(|o| o.get_untracked()).unwrap_or_default(),
        );
    };
    let title2 = title.clone();
    let curve = move || {
        let h = model.history.get();
        if h.is_empty() {
            return String::new();
        }
        loss_svg(
            &h,
            &model.part_names.get(),
            &format!("{title2}: training loss"),
        )
    };
    let engine_state = engine::state();
    view! {
        <div class="train-panel" data-testid=format!("train-panel-{name}")>
            <p class="muted" data-testid=format!("weights-{name}")>{move || describe(&model.weights.get())}</p>
            <EngineTrouble/>
            <div class="controls">
                <button class="primary" data-testid=format!("train-{name}") on:click=start disabled=move || running() || engine_state.get() != EngineState::Ready>
                    {format!("Train {title} from scratch here")}
                </button>
                <button data-testid=format!("stop-{name}") on:click=move |_| model.pause() disabled=move || !running()>"Stop"</button>
                <button data-testid=format!("resume-{name}") on:click=move |_| model.resume(steps / 2) disabled=move || running() || !can_resume()>
                    {move || if model.status.get() == JobStatus::Done { format!("Train {} more steps", steps / 2) } else { "Resume".to_string() }}
                </button>
                <button on:click=move |_| model.load_shipped() disabled=move || matches!(model.weights.get(), WeightsState::Loading)>"Use the shipped weights"</button>
            </div>
            {move || (model.total.get() > 0).then(|| view! {
                <div class="progress-line">
                    <progress data-testid=format!("progress-{name}") max=move || model.total.get() as f64 value=move || model.step.get() as f64></progress>
                    <span data-testid=format!("progress-text-{name}")>{move || {
                        let status = match model.status.get() {
                            JobStatus::Running => "training",
                            JobStatus::Paused => "stopped",
                            JobStatus::Done => "done",
                            JobStatus::Failed(_) => "failed",
                            JobStatus::Idle => "",
                        };
                        format!("step {} of {} · {} steps/s · {} · {status}", model.step.get(), model.total.get(), fmt_num(model.rate.get()), model.device.get())
                    }}</span>
                </div>
            })}
            <div class="plot-host" data-testid=format!("loss-curve-{name}") inner_html=curve></div>
            <super::weights_io::WeightsIo model/>
            {move || model.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || match model.status.get() {
                JobStatus::Failed(e) => Some(view! { <p class="error" role="alert">{e}</p> }),
                _ => None,
            }}
        </div>
    }
}

/// What a widget shows while a model it needs has no weights yet: where its weights stand.
pub fn weights_wait(m: ModelHandle) -> impl IntoView {
    view! { <p class="muted">{move || describe(&m.weights.get())}</p> }
}

/// Where the engine is needed: nothing while it works; while it starts, a line; if it could
/// not start or stopped, why and a button to try again (what needs no engine goes on).
#[component]
pub fn EngineTrouble() -> impl IntoView {
    let state = engine::state();
    move || {
        match state.get() {
        EngineState::Ready | EngineState::Idle => None,
        EngineState::Starting => Some(view! {
            <p class="muted small" data-testid="engine-starting">"Starting the engine that trains and samples models…"</p>
        }.into_any()),
        EngineState::Failed(why) => Some(view! {
            <div class="error" role="alert" data-testid="engine-failed">
                <p>{format!("Training and sampling are unavailable: {why}. What this page computes without the engine still works.")}</p>
                <button data-testid="engine-retry" on:click=move |_| engine::retry()>"Try again"</button>
            </div>
        }.into_any()),
    }
    }
}
