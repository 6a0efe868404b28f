//! Sampling runs on the page: any model's `SampleSpec` sampled in the engine step by step
//! into a signal ([`sample_into`]), and the run's face (progress bar, status, messages:
//! [`run_status`]). Lesson 10's sampler uses it, and so does every later one.

use crate::engine::protocol::SampleSpec;
use crate::ui::engine;
use leptos::prelude::*;

/// A sampling run as the page shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleBatch {
    /// Steps done, of `total`.
    pub done: usize,
    pub total: usize,
    /// RGB bytes per sample: the latest preview while running, the samples once finished.
    pub images: Vec<Vec<u8>>,
    pub finished: bool,
    pub cancelled: bool,
    pub secs: f64,
    /// "on WebGPU" or "on the CPU".
    pub device: String,
    /// Something the reader should know (the GPU failed and the run started again; why
    /// a run stopped).
    pub notice: Option<String>,
}

/// Samples `spec` with `model` in the engine into `out`, step by step, until it ends or
/// `live` turns false. Returns the samples' values when it ends with them (images:
/// channel-first, in [0, 1]).
pub async fn sample_into(
    model: &str,
    spec: SampleSpec,
    out: RwSignal<SampleBatch>,
    live: impl Fn() -> bool,
) -> Option<Vec<f32>> {
    let _ = out.try_set(SampleBatch::default());
    let result = engine::sample(model, spec, live, |news| {
        let _ = out.try_update(|b| {
            b.done = news.done;
            b.total = news.total;
            b.secs = news.secs;
            b.device = news.device;
            b.notice = news.notice;
            if let Some(im) = news.images {
                b.images = im;
            }
        });
    })
    .await;
    let _ = out.try_update(|b| match &result {
        Ok(_) => b.finished = true,
        Err(why) => {
            b.cancelled = true;
            if why != "cancelled" && !why.starts_with("cancelled at") {
                b.notice = Some(format!("Sampling stopped: {why}."));
            }
        }
    });
    result.ok()
}

/// Seconds in words with three significant digits: "412 ms", "2.31 s".
fn duration(secs: f64) -> String {
    if secs < 1.0 {
        format!("{} ms", crate::plot::fmt_num(secs * 1000.0))
    } else {
        format!("{} s", crate::plot::fmt_num(secs))
    }
}

/// The run's progress bar and status line (`running` says what the images are while it
/// runs), and its message if any. The status line's test id is `{testid}-status`.
pub fn run_status(b: &SampleBatch, testid: &str, running: &str) -> impl IntoView {
    let status = if b.cancelled {
        format!("cancelled at step {} of {}", b.done, b.total)
    } else if b.finished {
        format!(
            "{} samples, {} {} in {} {}",
            b.images.len(),
            b.total,
            if b.total == 1 { "step" } else { "steps" },
            duration(b.secs),
            b.device
        )
    } else {
        format!(
            "step {} of {} · {} · {} ({running})",
            b.done,
            b.total,
            duration(b.secs),
            b.device
        )
    };
    view! {
        <div class="progress-line">
            <progress max=b.total.max(1) as f64 value=b.done as f64></progress>
            <span data-testid=format!("{testid}-status")>{status}</span>
        </div>
        {b.notice.clone().map(|n| view! { <p class="notice" role="status">{n}</p> })}
    }
}
