//! The page's trained models: their weights (shipped files fetched lazily, or weights the
//! reader trains here) and their training jobs. Both live for the whole page, not for a
//! widget, so training goes on while the reader reads another lesson and the widgets of
//! every step see the same weights.
//!
//! A job runs [`Trainer`] chunks of ~80 ms in a task and yields to the browser between
//! them, so the page never freezes. At each chunk boundary it follows the compute badge
//! (moving to WebGPU or the CPU), publishes metrics and a CPU copy of the weights, and
//! notices a lost GPU (the trainer has already carried on on the CPU).

use super::browser;
use super::compute::Compute;
use crate::models::zoo::{self, Net, Recipe};
use crate::nn::{weights, Params};
use crate::tensor::Device;
use crate::train::run::RunState;
use crate::train::{loss_fn, TrainError, Trainer};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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

#[derive(Clone, Debug, PartialEq)]
pub enum JobStatus {
    Idle,
    Running,
    Paused,
    Done,
    Failed(String),
}

/// One point of a loss curve: step, loss, and the named parts.
pub type Point = (u64, f32, Vec<f32>);

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
    /// β of the job that produced the current weights (VAEs).
    pub beta: RwSignal<f32>,
}

struct Slot {
    recipe: &'static Recipe,
    net: Net,
    /// CPU weights the widgets read.
    params: Option<Params>,
    /// The paused (or finished) trainer; taken out while a job runs.
    trainer: Option<Trainer>,
    /// Bumped to cancel a running job (train from scratch, reload shipped weights).
    generation: u64,
}

thread_local! {
    static SLOTS: RefCell<HashMap<&'static str, (ModelHandle, Slot)>> = RefCell::new(HashMap::new());
    static ROOT: RefCell<Option<Owner>> = const { RefCell::new(None) };
}

/// Called once by the app: models' signals belong to the app, not to a widget.
pub fn init() {
    ROOT.with(|r| *r.borrow_mut() = Owner::current());
}

/// The model called `name` (a recipe in [`zoo::RECIPES`]).
pub fn model(name: &'static str) -> ModelHandle {
    if let Some(h) = SLOTS.with(|s| s.borrow().get(name).map(|x| x.0)) {
        return h;
    }
    let recipe = zoo::recipe(name).unwrap_or_else(|| panic!("no recipe called {name}"));
    let make = || ModelHandle {
        name: recipe.name,
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
        beta: RwSignal::new(recipe.beta),
    };
    let h = match ROOT.with(|r| r.borrow().clone()) {
        Some(o) => o.with(make),
        None => make(),
    };
    let (net, _) = recipe.build(&Device::Cpu);
    SLOTS.with(|s| {
        s.borrow_mut().insert(
            name,
            (
                h,
                Slot {
                    recipe,
                    net,
                    params: None,
                    trainer: None,
                    generation: 0,
                },
            ),
        )
    });
    h
}

fn with_slot<R>(name: &str, f: impl FnOnce(&mut Slot) -> R) -> R {
    SLOTS.with(|s| f(&mut s.borrow_mut().get_mut(name).expect("model() made it").1))
}

/// Waits for the browser's next turn (a zero-delay timeout), letting it paint and handle input.
pub async fn next_tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = browser::window().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(p).await;
}

/// The right of one background loop to go on with a run: live until the run is paused,
/// restarted or resumed by another loop, or its widget is gone.
#[derive(Clone, Copy)]
pub struct Ticket {
    run: RwSignal<RunState>,
    id: u64,
}

impl Ticket {
    pub fn live(&self) -> bool {
        self.run.try_with_untracked(|r| r.live(self.id)) == Some(true)
    }
}

/// Runs `work` in the background under a new ticket of `run` (start and resume both come
/// here; a loop left from before ends by itself once its ticket is no longer live), and
/// marks the run finished when `work` ends, if its ticket was still the live one.
pub fn run_in_background<F, Fut>(run: RwSignal<RunState>, work: F)
where
    F: FnOnce(Ticket) -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let Some(id) = run.try_update(|r| r.begin()) else {
        return;
    };
    let ticket = Ticket { run, id };
    leptos::task::spawn_local(async move {
        work(ticket).await;
        let _ = run.try_update(|r| r.finish(id));
    });
}

/// A step-by-step run: calls `step` once per browser turn while the ticket is live and
/// `step` says there is more.
pub fn drive(run: RwSignal<RunState>, step: impl Fn() -> bool + 'static) {
    run_in_background(run, move |ticket| async move {
        while ticket.live() && step() {
            next_tick().await;
        }
    });
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let resp = JsFuture::from(browser::window().fetch_with_str(url))
        .await
        .map_err(|_| format!("could not fetch {url} (offline, or the site is incomplete)"))?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "fetch gave no response")?;
    if !resp.ok() {
        return Err(format!("{url} answered HTTP {}", resp.status()));
    }
    let buf = JsFuture::from(resp.array_buffer().map_err(|_| "no body")?)
        .await
        .map_err(|_| format!("reading {url} failed"))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

impl ModelHandle {
    /// Reads the current weights (tracking them): `None` until some are ready.
    pub fn with<R>(self, f: impl FnOnce(&Net, &Params) -> R) -> Option<R> {
        self.version.track();
        SLOTS.with(|s| {
            let s = s.borrow();
            let slot = &s.get(self.name)?.1;
            slot.params.as_ref().map(|p| f(&slot.net, p))
        })
    }

    pub fn recipe(self) -> &'static Recipe {
        with_slot(self.name, |s| s.recipe)
    }

    /// Starts fetching the shipped weights, unless there are weights already.
    pub fn ensure_loaded(self) {
        if self.weights.get_untracked() == WeightsState::Missing {
            self.load_shipped();
        }
    }

    /// Fetches `www/weights/<name>.safetensors` and uses it (cancelling any job).
    pub fn load_shipped(self) {
        let generation = with_slot(self.name, |s| {
            s.generation += 1;
            s.generation
        });
        if self.status.get_untracked() == JobStatus::Running {
            self.status.set(JobStatus::Paused);
        }
        self.weights.set(WeightsState::Loading);
        leptos::task::spawn_local(async move {
            let url = format!(
                "{}www/weights/{}.safetensors",
                browser::base_url(),
                self.name
            );
            let result = match fetch_bytes(&url).await {
                Ok(bytes) => with_slot(self.name, |s| {
                    let (_, mut p) = s.recipe.build(&Device::Cpu);
                    weights::load_into(&mut p, &bytes, &Device::Cpu)
                        .map(|meta| (p, meta))
                        .map_err(|e| format!("the weights file {url} is unusable: {e}"))
                }),
                Err(e) => Err(e),
            };
            if with_slot(self.name, |s| s.generation) != generation {
                return; // the reader started something else meanwhile
            }
            match result {
                Ok((p, meta)) => {
                    let steps = meta.get("steps").cloned().unwrap_or_else(|| "?".into());
                    let beta = meta.get("beta").and_then(|b| b.parse().ok());
                    with_slot(self.name, |s| {
                        s.params = Some(p);
                        s.trainer = None;
                    });
                    if let Some(b) = beta {
                        self.beta.set(b);
                    }
                    self.weights.set(WeightsState::Ready(format!(
                        "shipped weights ({steps} training steps)"
                    )));
                    self.version.update(|v| *v += 1);
                }
                Err(e) => self.weights.set(WeightsState::Failed(e)),
            }
        });
    }

    /// Fresh weights, trained here for `steps` steps with KL weight `beta`.
    pub fn train_from_scratch(self, steps: u64, beta: f32, compute: Compute) {
        let generation = with_slot(self.name, |s| {
            s.generation += 1;
            s.trainer = None;
            s.generation
        });
        self.history.set(Vec::new());
        self.notice.set(None);
        self.beta.set(beta);
        self.step.set(0);
        self.total.set(steps);
        self.status.set(JobStatus::Running);
        leptos::task::spawn_local(async move {
            let recipe = self.recipe();
            let seed = crate::data::rng::fresh_seed();
            let (net, params) = recipe.build_with_seed(seed, &Device::Cpu);
            let cpu = params.clone();
            match Trainer::new(params, recipe.optimizer(), compute.device()).await {
                Ok(t) => {
                    with_slot(self.name, |s| {
                        s.net = net;
                        s.params = Some(cpu);
                        s.trainer = Some(t);
                    });
                    self.weights
                        .set(WeightsState::Ready("weights trained here (step 0)".into()));
                    self.version.update(|v| *v += 1);
                    self.run(generation, compute).await;
                }
                Err(e) => self.status.set(JobStatus::Failed(e.to_string())),
            }
        });
    }

    /// Stops at the end of the current chunk; `resume` goes on from there exactly.
    pub fn pause(self) {
        if self.status.get_untracked() == JobStatus::Running {
            self.status.set(JobStatus::Paused);
        }
    }

    /// Goes on from a pause, or trains `more` steps beyond a finished job.
    pub fn resume(self, more: u64, compute: Compute) {
        if !with_slot(self.name, |s| s.trainer.is_some()) {
            return;
        }
        if self.status.get_untracked() == JobStatus::Done
            || self.step.get_untracked() >= self.total.get_untracked()
        {
            self.total.update(|t| *t = self.step.get_untracked() + more);
        }
        let generation = with_slot(self.name, |s| s.generation);
        self.status.set(JobStatus::Running);
        leptos::task::spawn_local(async move { self.run(generation, compute).await });
    }

    async fn run(self, generation: u64, compute: Compute) {
        let Some(mut trainer) = with_slot(self.name, |s| s.trainer.take()) else {
            return;
        };
        let recipe = self.recipe();
        let net = with_slot(self.name, |s| s.net.clone());
        let beta = self.beta.get_untracked();
        let loss = loss_fn(move |tape, p, step, dev| recipe.loss(&net, beta, tape, p, step, dev));
        let mut per_step_ms = 0.0f64;
        let outcome;
        // The widgets re-encode and re-decode on new weights: give them new ones about
        // once a second, not every chunk.
        let mut last_publish = browser::now_ms();
        loop {
            let cancelled = with_slot(self.name, |s| s.generation) != generation;
            if cancelled || self.status.get_untracked() != JobStatus::Running {
                outcome = self.status.get_untracked();
                if cancelled {
                    return; // a newer job owns the slot; drop this trainer
                }
                break;
            }
            if trainer.step >= self.total.get_untracked() {
                outcome = JobStatus::Done;
                break;
            }
            // Follow the badge: the reader may have switched paths since the last chunk.
            let want = compute.device();
            if matches!(want, Device::Gpu(_)) != matches!(trainer.device, Device::Gpu(_)) {
                if let Err(e) = trainer.switch_device(want).await {
                    self.notice
                        .set(Some(format!("Could not switch devices: {e}")));
                }
            }
            self.device.set(Compute::on(&trainer.device).into());
            let left = self.total.get_untracked() - trainer.step;
            let n = if per_step_ms <= 0.0 {
                1
            } else {
                ((80.0 / per_step_ms).round() as u64).clamp(1, 50).min(left)
            };
            let t0 = browser::now_ms();
            let result = trainer.run(n as usize, &loss).await;
            let dt = browser::now_ms() - t0;
            match result {
                Ok(chunk) => {
                    let done = chunk.metrics.len().max(1) as f64;
                    per_step_ms = dt / done;
                    self.rate.set(1000.0 / per_step_ms.max(1e-3));
                    if let Some(m) = chunk.metrics.first() {
                        if self.part_names.with_untracked(|p| p.len() != m.parts.len()) {
                            self.part_names
                                .set(m.parts.iter().map(|(n, _)| n.clone()).collect());
                        }
                    }
                    if let Some((why, at)) = &chunk.fell_back {
                        compute.gpu_lost(why);
                        self.history.update(|h| h.retain(|p| p.0 <= *at));
                        self.notice.set(Some(format!(
                            "The GPU device was lost ({why}). Training went on on the CPU from step {at}, the last saved weights; nothing else was lost."
                        )));
                    }
                    self.history.update(|h| {
                        h.extend(
                            chunk
                                .metrics
                                .iter()
                                .map(|m| (m.step, m.loss, m.parts.iter().map(|p| p.1).collect())),
                        )
                    });
                }
                Err(e) => {
                    let msg = match &e {
                        TrainError::NonFinite { .. } => format!(
                            "{e}. The weights are those of the step before; try training from scratch again."
                        ),
                        _ => e.to_string(),
                    };
                    outcome = JobStatus::Failed(msg);
                    break;
                }
            }
            self.step.set(trainer.step);
            if browser::now_ms() - last_publish > 1200.0 {
                self.publish(&trainer);
                last_publish = browser::now_ms();
            }
            next_tick().await;
        }
        self.publish(&trainer);
        with_slot(self.name, |s| s.trainer = Some(trainer));
        self.status.set(outcome);
    }

    fn publish(self, trainer: &Trainer) {
        let (at, params) = trainer.snapshot_params();
        let params = params.clone();
        with_slot(self.name, |s| s.params = Some(params));
        self.step.set(trainer.step);
        self.weights.set(WeightsState::Ready(format!(
            "weights trained here (step {at})"
        )));
        self.version.update(|v| *v += 1);
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
