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
    /// classifier's "classify"; see `zoo::Model::call`). Called inside [`super::run_kit::async_memo`], it
    /// tracks the weights and the engine, so the answer is asked for again when they
    /// change. `None` until there are weights, or when the call failed (logged).
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

    /// Starts fetching the shipped weights, unless there are weights already.
    pub fn ensure_loaded(self) {
        // The engine's download and start overlap the weights' fetch.
        engine::wake();
        if self.weights.get_untracked() == WeightsState::Missing {
            self.load_shipped();
        }
    }

    /// Fetches `www/weights/<name>.safetensors` and uses it (ending any job).
    pub fn load_shipped(self) {
        let generation = with_slot(self.name, |s| {
            s.generation += 1;
            s.generation
        });
        // A stopped engine has ended the job already.
        if self.status.get_untracked() == JobStatus::Running {
            let _ = engine::send(Request::Pause {
                model: self.name.into(),
            });
        }
        self.weights.set(WeightsState::Loading);
        leptos::task::spawn_local(async move {
            let url = format!(
                "{}www/weights/{}.safetensors",
                browser::base_url(),
                self.name
            );
            let result = browser::fetch_bytes(&url).await;
            if with_slot(self.name, |s| s.generation) != generation {
                return; // the reader loaded them again meanwhile
            }
            match result {
                // The engine reads the file: `WeightsTaken` (with its metadata) or
                // `WeightsRefused` (why) finishes the load.
                Ok(bytes) => {
                    with_slot(self.name, |s| s.shipped_pending = true);
                    // Offered to a stopped engine, they are kept and handed to it when it
                    // starts again (`engine_restarted`); the lesson says why it waits.
                    let _ = self.offer_weights(bytes, false);
                    if self.status.get_untracked() == JobStatus::Running {
                        self.status.set(JobStatus::Paused);
                    }
                    self.step.set(0);
                }
                Err(e) => self.weights.set(WeightsState::Failed(e)),
            }
        });
    }

    /// Offers the weights file `bytes` to the engine; they become the model's when it
    /// takes them (`WeightsTaken`).
    fn offer_weights(self, bytes: Vec<u8>, importing: bool) -> Result<(), engine::EngineDown> {
        let sent = engine::send(Request::SetWeights {
            model: self.name.into(),
            bytes: bytes.clone(),
        });
        // The reader's own file is offered again only if they open it again.
        if sent.is_ok() || !importing {
            with_slot(self.name, |s| {
                s.offered = Some(bytes);
                s.importing = importing;
            });
        }
        sent
    }

    /// Whether the page holds weights for the model (tracks them).
    pub fn has_weights(self) -> bool {
        self.version.track();
        with_slot(self.name, |s| s.bytes.is_some())
    }

    /// The reader's safetensors file in place of the current weights (ours or PyTorch's
    /// layout); a file that does not fit is refused and nothing changes.
    pub fn import_weights(self, bytes: Vec<u8>) {
        let said = match self.offer_weights(bytes, true) {
            Ok(()) => Ok("Checking the file…".into()),
            Err(down) => Err(Self::weights_unchanged(down, "checks an opened file")),
        };
        self.io_message.set(Some(said));
    }

    /// The weights tools' message when the engine, which `does` what the reader asked,
    /// has stopped.
    fn weights_unchanged(down: engine::EngineDown, does: &str) -> String {
        let why = down.0;
        format!("The engine, which {does}, is not running ({why}). Reload the page to start it again; the weights here are unchanged.")
    }

    /// Sends a request that runs a job; whether it was sent. If the engine has stopped,
    /// the job's status says so, as when it stops mid-job ([`engine_stopped`]), and the
    /// progress, curve and weights shown stay as they were.
    fn run_job(self, req: Request) -> bool {
        match engine::send(req) {
            Ok(()) => true,
            Err(down) => {
                self.job_ended_by_engine(&format!("is not running ({})", down.0));
                false
            }
        }
    }

    /// The job's status when the engine, which `did` this (stopped, is not running), cannot
    /// run it: the weights of the current step stay.
    fn job_ended_by_engine(self, did: &str) {
        self.status.set(JobStatus::Failed(format!(
            "The engine {did}; the page keeps the weights of step {}.",
            self.step.get_untracked()
        )));
    }

    /// Downloads the current weights as they are (`<model>.safetensors`).
    pub fn save_weights(self) {
        let Some(bytes) = with_slot(self.name, |s| s.bytes.clone()) else {
            return;
        };
        let file = format!("{}.safetensors", self.name);
        self.io_message.set(Some(
            browser::download_bytes(&file, &bytes)
                .map(|()| format!("Saved as {file} (Genlab's layout: opens here again)."))
                .map_err(|_| browser::DOWNLOAD_REFUSED.to_string()),
        ));
    }

    /// Asks the engine for the weights in PyTorch's layout (downloaded when they come).
    pub fn export_torch(self) {
        let sent = engine::send(Request::Export {
            model: self.name.into(),
        });
        self.io_message.set(Some(match sent {
            Ok(()) => Ok("Converting…".into()),
            Err(down) => Err(Self::weights_unchanged(down, "makes the PyTorch export")),
        }));
    }

    /// Fresh weights from `seed` (`None`: a fresh one), trained in the engine for `steps`
    /// steps with KL weight `beta` (`None`: the recipe's) and the reader's settings
    /// (`zoo::Options`; empty: none).
    pub fn train_with(
        self,
        steps: u64,
        beta: Option<f32>,
        seed: Option<u64>,
        options: Vec<(String, Vec<f32>)>,
    ) {
        let sent = self.run_job(Request::Train {
            model: self.name.into(),
            steps,
            beta,
            seed: seed.unwrap_or_else(crate::data::rng::fresh_seed),
            options,
        });
        if sent {
            self.history.set(Vec::new());
            self.notice.set(None);
            self.step.set(0);
            self.total.set(steps);
            self.status.set(JobStatus::Running);
        }
    }

    /// Goes on for `steps` steps that update only the parts named in `only` (a GAN's "D"
    /// or "G"; empty: every part), then stops.
    pub fn step_parts(self, steps: u64, only: Vec<String>) {
        let sent = self.run_job(Request::Step {
            model: self.name.into(),
            steps,
            only,
        });
        if sent {
            self.total.set(self.step.get_untracked() + steps);
            self.status.set(JobStatus::Running);
        }
    }

    /// Stops at the end of the current chunk; `resume` goes on from there exactly.
    pub fn pause(self) {
        if self.status.get_untracked() == JobStatus::Running {
            // A stopped engine has ended the job already (`engine_stopped`).
            let _ = engine::send(Request::Pause {
                model: self.name.into(),
            });
        }
    }

    /// Goes on from a pause, or trains `more` steps beyond a finished job.
    pub fn resume(self, more: u64) {
        let (step, total) = (self.step.get_untracked(), self.total.get_untracked());
        let total = if self.status.get_untracked() == JobStatus::Done || step >= total {
            step + more
        } else {
            total
        };
        let sent = self.run_job(Request::Resume {
            model: self.name.into(),
            total,
        });
        if sent {
            self.total.set(total);
            self.status.set(JobStatus::Running);
        }
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
