//! The page's trained models: their weights (shipped files fetched lazily, or weights the
//! reader trains) and the page's face of their training jobs. Training runs in the engine
//! (its worker, through [`super::engine`]); this module keeps what the widgets read: a CPU
//! copy of the weights for cheap inference, and signals for progress, loss curves, status
//! and messages. Both live for the whole page, not for a widget, so training goes on while
//! the reader reads another lesson and every step's widgets see the same weights.

use super::browser;
use super::engine;
pub use crate::engine::protocol::{JobStatus, Point};
use crate::engine::protocol::{Reply, Request};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

mod jobs;
mod weights;

/// Where a model's weights stand.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsState {
    /// Not asked for yet.
    Missing,
    Loading,
    /// Usable; where they came from, in words.
    Ready(String),
    /// The shipped file could not be used; why. The reader can still train here.
    Failed(String),
}

/// The reactive face of one model (all fields are signals, so it is `Copy`).
#[derive(Clone, Copy)]
pub struct ModelHandle {
    pub name: &'static str,
    pub weights: RwSignal<WeightsState>,
    /// Bumped whenever the weights change.
    pub version: RwSignal<u64>,
    pub status: RwSignal<JobStatus>,
    pub step: RwSignal<u64>,
    pub total: RwSignal<u64>,
    pub rate: RwSignal<f64>,
    pub device: RwSignal<String>,
    pub history: RwSignal<Vec<Point>>,
    pub part_names: RwSignal<Vec<String>>,
    /// Something the reader should know (e.g. the GPU was lost and training moved).
    pub notice: RwSignal<Option<String>>,
    /// The training steps of the shipped weights, from their file, once the engine took them.
    pub shipped_steps: RwSignal<Option<u64>>,
    /// What became of the reader's last save, export or import (`Err`: nothing changed).
    pub io_message: RwSignal<Option<Result<String, String>>>,
    /// The Python that loads the last PyTorch export.
    pub python: RwSignal<Option<String>>,
}

struct Slot {
    /// The current weights as a file (the engine holds them; it is given them again if it
    /// restarts).
    bytes: Option<Vec<u8>>,
    /// Bumped by each load of the shipped weights (a late answer to an older one is dropped).
    generation: u64,
    /// The shipped file was handed to the engine, which has not said yes or no yet.
    shipped_pending: bool,
    /// A file offered to the engine (shipped or the reader's), kept as `bytes` only once
    /// the engine has taken it: a refused file loses nothing.
    offered: Option<Vec<u8>>,
    /// The offered file is the reader's own.
    importing: bool,
}

thread_local! {
    static SLOTS: RefCell<HashMap<&'static str, (ModelHandle, Slot)>> = RefCell::new(HashMap::new());
    static ROOT: RefCell<Option<Owner>> = const { RefCell::new(None) };
}

/// Called once by the app: models' signals belong to the app, not to a widget.
pub fn init() {
    ROOT.with(|r| *r.borrow_mut() = Owner::current());
}

/// The model called `name` (a recipe in `models::zoo`, which the engine holds: the page
/// names models, and an unknown name is answered by the engine in words).
pub fn model(name: &'static str) -> ModelHandle {
    if let Some(h) = SLOTS.with(|s| s.borrow().get(name).map(|x| x.0)) {
        return h;
    }
    let make = || ModelHandle {
        name,
        weights: RwSignal::new(WeightsState::Missing),
        version: RwSignal::new(0),
        status: RwSignal::new(JobStatus::Idle),
        step: RwSignal::new(0),
        total: RwSignal::new(0),
        rate: RwSignal::new(0.0),
        device: RwSignal::new(String::new()),
        history: RwSignal::new(Vec::new()),
        part_names: RwSignal::new(Vec::new()),
        notice: RwSignal::new(None),
        shipped_steps: RwSignal::new(None),
        io_message: RwSignal::new(None),
        python: RwSignal::new(None),
    };
    let h = match ROOT.with(|r| r.borrow().clone()) {
        Some(o) => o.with(make),
        None => make(),
    };
    SLOTS.with(|s| {
        s.borrow_mut().insert(
            name,
            (
                h,
                Slot {
                    bytes: None,
                    generation: 0,
                    shipped_pending: false,
                    offered: None,
                    importing: false,
                },
            ),
        )
    });
    h
}

fn with_slot<R>(name: &str, f: impl FnOnce(&mut Slot) -> R) -> R {
    SLOTS.with(|s| f(&mut s.borrow_mut().get_mut(name).expect("model() made it").1))
}

impl ModelHandle {
    /// Runs `function` of the current weights in the engine (an autoencoder's "decode", the
    /// classifier's "classify"; see `zoo::Model::call`). Called inside
    /// [`super::run_kit::async_memo`], it tracks the weights and the engine, so the answer
    /// is asked for again when they change. `None` until there are weights, or when the
    /// call failed (logged).
    pub fn call(
        self,
        function: &'static str,
        rows: Vec<Vec<f32>>,
    ) -> impl std::future::Future<Output = Option<Vec<Vec<f32>>>> {
        self.call_with(function, rows, Vec::new())
    }

    /// [`ModelHandle::call`] with scalar arguments (a step's t and noise seed).
    pub fn call_with(
        self,
        function: &'static str,
        rows: Vec<Vec<f32>>,
        args: Vec<f64>,
    ) -> impl std::future::Future<Output = Option<Vec<Vec<f32>>>> {
        self.version.track();
        engine::state().track();
        let ready = with_slot(self.name, |s| s.bytes.is_some());
        let name = self.name;
        async move {
            if !ready {
                return None;
            }
            match engine::call(name, function, rows, args).await {
                Ok(r) => Some(r),
                Err(e) => {
                    web_sys::console::warn_1(&format!("{name}: {function}: {e}").into());
                    None
                }
            }
        }
    }

    /// Whether the page holds weights for the model (tracks them).
    pub fn has_weights(self) -> bool {
        self.version.track();
        with_slot(self.name, |s| s.bytes.is_some())
    }

    fn receive(self, r: Reply) {
        match r {
            Reply::Progress {
                step,
                total,
                rate,
                device,
                part_names,
                points,
                ..
            } => {
                self.step.set(step);
                self.total.set(total);
                self.rate.set(rate);
                self.device.set(device);
                if !part_names.is_empty() && self.part_names.with_untracked(|p| *p != part_names) {
                    self.part_names.set(part_names);
                }
                self.history.update(|h| h.extend(points));
            }
            Reply::Weights { at, bytes, .. } => {
                with_slot(self.name, |s| s.bytes = Some(bytes));
                self.weights.set(WeightsState::Ready(format!(
                    "weights trained here (step {at})"
                )));
                self.version.update(|v| *v += 1);
            }
            Reply::WeightsTaken { metadata, .. } => {
                // A file offered now becomes the model's (the engine is also given the
                // current weights again when it restarts: nothing is offered then).
                let (offered, importing) = with_slot(self.name, |s| {
                    (s.offered.take(), std::mem::take(&mut s.importing))
                });
                if let Some(b) = offered {
                    with_slot(self.name, |s| s.bytes = Some(b));
                    self.version.update(|v| *v += 1);
                }
                if importing {
                    let steps = metadata.iter().find(|(k, _)| k == "steps");
                    self.step.set(0);
                    self.history.set(Vec::new());
                    self.weights.set(WeightsState::Ready(match steps {
                        Some((_, s)) => format!("weights from your file ({s} training steps)"),
                        None => "weights from your file".into(),
                    }));
                    self.io_message.set(Some(Ok(
                        "Opened: the model now uses the weights of your file.".into(),
                    )));
                }
                if with_slot(self.name, |s| std::mem::take(&mut s.shipped_pending)) {
                    let steps = metadata
                        .iter()
                        .find(|(k, _)| k == "steps")
                        .map_or("?", |(_, v)| v.as_str());
                    self.shipped_steps.set(steps.parse().ok());
                    self.weights.set(WeightsState::Ready(format!(
                        "shipped weights ({steps} training steps)"
                    )));
                }
            }
            Reply::WeightsRefused { why, .. } => {
                let (offered, importing) = with_slot(self.name, |s| {
                    s.shipped_pending = false;
                    (s.offered.take(), std::mem::take(&mut s.importing))
                });
                if importing {
                    // The engine kept its weights, and the page keeps its copy.
                    self.io_message.set(Some(Err(format!(
                        "This file does not fit this model: {why}. Nothing changed: the model keeps its weights."
                    ))));
                    return;
                }
                if offered.is_none() {
                    // The weights the page gave a restarted engine: it has none now.
                    with_slot(self.name, |s| s.bytes = None);
                }
                self.weights.set(WeightsState::Failed(format!(
                    "the engine cannot use the weights file: {why}"
                )));
                self.version.update(|v| *v += 1);
            }
            Reply::Exported { result, .. } => match result {
                Ok((file, python)) => {
                    let name = format!("{}-pytorch.safetensors", self.name);
                    self.io_message.set(Some(
                        browser::download_bytes(&name, &file)
                            .map(|()| format!("Saved as {name}, in PyTorch's layout. The Python below loads it."))
                            .map_err(|_| browser::DOWNLOAD_REFUSED.to_string()),
                    ));
                    self.python.set(Some(python));
                }
                Err(why) => self
                    .io_message
                    .set(Some(Err(format!("Could not export the weights: {why}.")))),
            },
            Reply::Status { status, .. } => self.status.set(status),
            Reply::Notice {
                text,
                rolled_back_to,
                ..
            } => {
                if let Some(at) = rolled_back_to {
                    self.history.update(|h| h.retain(|p| p.0 <= at));
                }
                self.notice.set(Some(text));
            }
            _ => {}
        }
    }
}

/// Routes the engine's training news to the model it is about.
pub fn receive(r: Reply) {
    let name = match &r {
        Reply::Progress { model, .. }
        | Reply::Weights { model, .. }
        | Reply::Status { model, .. }
        | Reply::Notice { model, .. }
        | Reply::WeightsTaken { model, .. }
        | Reply::WeightsRefused { model, .. }
        | Reply::Exported { model, .. } => model.clone(),
        _ => return,
    };
    let handle = SLOTS.with(|s| s.borrow().get(name.as_str()).map(|x| x.0));
    if let Some(h) = handle {
        h.receive(r);
    }
}

/// The engine stopped: running jobs are over (the page keeps their last weights).
pub fn engine_stopped(why: &str) {
    let handles: Vec<ModelHandle> = SLOTS.with(|s| s.borrow().values().map(|x| x.0).collect());
    for h in handles {
        if h.status.get_untracked() == JobStatus::Running {
            h.job_ended_by_engine(&format!("stopped ({why})"));
        }
    }
}

/// The engine started again: it gets every model's current weights, or the file offered
/// to it and not yet answered (shipped weights fetched while it was down).
pub fn engine_restarted() {
    let all: Vec<(&'static str, Vec<u8>)> = SLOTS.with(|s| {
        s.borrow()
            .iter()
            .filter_map(|(n, (_, slot))| Some((*n, slot.offered.clone().or(slot.bytes.clone())?)))
            .collect()
    });
    for (model, bytes) in all {
        // Refused only if the worker failed to start again, which says so itself.
        let _ = engine::send(Request::SetWeights {
            model: model.into(),
            bytes,
        });
    }
}

/// Shows a weights state as a line of text.
pub fn describe(w: &WeightsState) -> String {
    match w {
        WeightsState::Missing | WeightsState::Loading => "Loading the shipped weights…".into(),
        WeightsState::Ready(s) => format!("Using {s}."),
        WeightsState::Failed(e) => format!(
            "Could not load the shipped weights: {e}. You can train the model here instead."
        ),
    }
}
