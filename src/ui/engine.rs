//! The page's side of the engine: starts the engine's worker (`www/engine.js`), sends it
//! [`Request`]s and routes its [`Reply`]s: the compute path to the badge, training news to
//! the models of [`super::training`], sampling news to the run waiting on it. If the
//! worker cannot start (or stops), [`state`] says why in words and [`retry`] starts it
//! again; lessons that need no engine never notice.

use super::compute::Compute;
use super::{browser, training};
use crate::engine::protocol::{decode, encode, Reply, Request, SampleNews, SampleSpec};
use futures_channel::oneshot;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Whether the engine can take work.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineState {
    /// Not started yet: it starts when the browser is idle, or at the first request.
    Idle,
    Starting,
    Ready,
    /// It could not start, or it stopped: why, in words.
    Failed(String),
}

type Inbox = Rc<RefCell<VecDeque<Reply>>>;

thread_local! {
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
    /// Requests made before the worker said it was ready.
    static WAITING: RefCell<Vec<Request>> = const { RefCell::new(Vec::new()) };
    static STATE: Cell<Option<RwSignal<EngineState>>> = const { Cell::new(None) };
    static COMPUTE: Cell<Option<Compute>> = const { Cell::new(None) };
    /// The inboxes of sampling runs, by job.
    static SAMPLERS: RefCell<HashMap<u64, Inbox>> = RefCell::new(HashMap::new());
    static NEXT_JOB: Cell<u64> = const { Cell::new(1) };
    /// Calls waiting for their answer, by id.
    static CALLS: RefCell<HashMap<u64, oneshot::Sender<Result<Vec<Vec<f32>>, String>>>> = RefCell::new(HashMap::new());
}

/// The engine's state (a signal of the app).
pub fn state() -> RwSignal<EngineState> {
    STATE
        .with(|s| s.get())
        .expect("engine::init ran when the app started")
}

/// Called once by the app: remembers where replies go and starts the worker.
pub fn init(compute: Compute) {
    STATE.with(|s| s.set(Some(RwSignal::new(EngineState::Idle))));
    COMPUTE.with(|c| c.set(Some(compute)));
    // The engine (its own wasm) is fetched once the page is idle, so that it never
    // competes with the first paint; a lesson that needs it sooner starts it by asking.
    let later = Closure::<dyn FnMut()>::new(wake);
    let w = browser::window();
    let idle = js_sys::Reflect::get(&w, &"requestIdleCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let asked = match idle {
        Some(f) => {
            let opts = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&opts, &"timeout".into(), &2000.into());
            f.call2(&w, later.as_ref(), &opts).is_ok()
        }
        None => false,
    };
    if !asked {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
            later.as_ref().unchecked_ref(),
            500,
        );
    }
    later.forget();
    // The badge's switch whenever the reader flips it (`start` sends the choice first).
    Effect::new(move |_| {
        let want = compute.prefer_gpu.get();
        if state().get_untracked() != EngineState::Idle {
            // A stopped engine is told the reader's choice when it starts again.
            let _ = send(Request::PreferGpu(want));
        }
    });
}

fn fail(why: String) {
    if let Some(w) = WORKER.with(|w| w.borrow_mut().take()) {
        w.terminate();
    }
    web_sys::console::error_1(&format!("Genlab's engine: {why}").into());
    state().set(EngineState::Failed(why.clone()));
    training::engine_stopped(&why);
    // Dropping the waiting calls' senders answers them: "the engine stopped".
    CALLS.with(|c| c.borrow_mut().clear());
    let inboxes: Vec<Inbox> = SAMPLERS.with(|s| s.borrow().values().cloned().collect());
    for inbox in inboxes {
        inbox.borrow_mut().push_back(Reply::SampleEnded {
            job: 0,
            why: format!("the engine stopped ({why})"),
        });
    }
}

fn start() {
    state().set(EngineState::Starting);
    if let Some(c) = COMPUTE.with(|c| c.get()) {
        let prefer = Request::PreferGpu(c.prefer_gpu.get_untracked());
        WAITING.with(|q| q.borrow_mut().insert(0, prefer));
    }
    let url = format!("{}www/engine.js", browser::base_url());
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let worker = match web_sys::Worker::new_with_options(&url, &opts) {
        Ok(w) => w,
        Err(e) => {
            return fail(format!(
                "this browser could not start the engine's worker ({})",
                e.as_string().unwrap_or_else(|| "no reason given".into())
            ))
        }
    };
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|ev: web_sys::MessageEvent| {
            let data = ev.data();
            if !data.is_instance_of::<js_sys::ArrayBuffer>() {
                let why = js_sys::Reflect::get(&data, &"failed".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| "an unexpected message".into());
                return fail(format!("the engine could not start: {why}"));
            }
            let bytes = js_sys::Uint8Array::new(&data).to_vec();
            match decode::<Reply>(&bytes) {
                Ok(r) => receive(r),
                Err(e) => web_sys::console::error_1(&e.into()),
            }
        });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
        let msg = ev
            .dyn_ref::<web_sys::ErrorEvent>()
            .map(|e| e.message())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "its script could not be loaded (offline, or blocked)".into());
        let when = if state().get_untracked() == EngineState::Starting {
            "could not start"
        } else {
            "stopped"
        };
        fail(format!("the engine {when}: {msg}"));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_message.forget();
    on_error.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker));
}

/// Starts the engine again after a failure; the models' weights are handed to it again.
pub fn retry() {
    if matches!(state().get_untracked(), EngineState::Failed(_)) {
        WAITING.with(|q| q.borrow_mut().clear());
        start();
        training::engine_restarted();
    }
}

fn post(req: &Request) {
    WORKER.with(|w| {
        if let Some(w) = w.borrow().as_ref() {
            let bytes = js_sys::Uint8Array::from(encode(req).as_slice());
            let buffer = bytes.buffer();
            let _ = w.post_message_with_transfer(&buffer, &js_sys::Array::of1(&buffer));
        }
    });
}

/// Starts the engine now if it has not started (a lesson that will need it is open).
pub fn wake() {
    if state().get_untracked() == EngineState::Idle {
        start();
    }
}

/// A request not sent because the engine has stopped (or could not start): why, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineDown(pub String);

impl std::fmt::Display for EngineDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the engine is not running ({})", self.0)
    }
}

/// Sends a request (held until the engine is ready, starting it if need be). Once the
/// engine has failed nothing is sent, and the caller hears why: the request would never
/// be answered.
#[must_use = "a request to an engine that has stopped is not sent: say so, or say why not"]
pub fn send(req: Request) -> Result<(), EngineDown> {
    match state().get_untracked() {
        EngineState::Ready => post(&req),
        EngineState::Starting => WAITING.with(|q| q.borrow_mut().push(req)),
        EngineState::Idle => {
            WAITING.with(|q| q.borrow_mut().push(req));
            start();
            // A worker that cannot even be created fails at once.
            if let EngineState::Failed(why) = state().get_untracked() {
                return Err(EngineDown(why));
            }
        }
        EngineState::Failed(why) => return Err(EngineDown(why)),
    }
    Ok(())
}

fn receive(r: Reply) {
    if state().get_untracked() == EngineState::Starting {
        state().set(EngineState::Ready);
        for req in WAITING.with(|q| std::mem::take(&mut *q.borrow_mut())) {
            post(&req);
        }
    }
    match &r {
        Reply::Device(d) => {
            if let Some(c) = COMPUTE.with(|c| c.get()) {
                c.detected.set(d.clone());
            }
        }
        Reply::Sampling { job, .. }
        | Reply::Sampled { job, .. }
        | Reply::SampleEnded { job, .. } => {
            if let Some(inbox) = SAMPLERS.with(|s| s.borrow().get(job).cloned()) {
                inbox.borrow_mut().push_back(r);
            }
        }
        Reply::Called { id, result } => {
            if let Some(tx) = CALLS.with(|c| c.borrow_mut().remove(id)) {
                let _ = tx.send(result.clone());
            }
        }
        Reply::Error(e) => web_sys::console::error_1(&format!("Genlab's engine: {e}").into()),
        Reply::Progress { .. }
        | Reply::Weights { .. }
        | Reply::Status { .. }
        | Reply::Notice { .. }
        | Reply::WeightsTaken { .. }
        | Reply::WeightsRefused { .. }
        | Reply::Exported { .. } => training::receive(r),
    }
}

/// Runs a named function of `model`'s current weights in the engine (`zoo::Model::call`):
/// the output rows, or why there are none.
pub async fn call(
    model: &str,
    function: &str,
    rows: Vec<Vec<f32>>,
    args: Vec<f64>,
) -> Result<Vec<Vec<f32>>, String> {
    let id = NEXT_JOB.with(|n| n.replace(n.get() + 1));
    send(Request::Call {
        id,
        model: model.to_string(),
        function: function.to_string(),
        rows,
        args,
    })
    .map_err(|down| down.to_string())?;
    // Answers arrive as messages, so none can come before this line runs.
    let (tx, rx) = oneshot::channel();
    CALLS.with(|c| c.borrow_mut().insert(id, tx));
    rx.await
        .unwrap_or_else(|_| Err("the engine stopped before answering".into()))
}

/// Samples with `model` in the engine, calling `progress` on each step, until it ends (the
/// samples' values) or `live` turns false (cancelled) or it fails (why, in words).
pub async fn sample(
    model: &str,
    what: SampleSpec,
    live: impl Fn() -> bool,
    mut progress: impl FnMut(SampleNews),
) -> Result<Vec<f32>, String> {
    let job = NEXT_JOB.with(|n| n.replace(n.get() + 1));
    send(Request::Sample {
        job,
        model: model.to_string(),
        what,
    })
    .map_err(|down| down.to_string())?;
    let inbox: Inbox = Rc::default();
    SAMPLERS.with(|s| s.borrow_mut().insert(job, inbox.clone()));
    let outcome = loop {
        let next = inbox.borrow_mut().pop_front();
        match next {
            Some(Reply::Sampling { news, .. }) => progress(news),
            Some(Reply::Sampled { values, .. }) => break Ok(values),
            Some(Reply::SampleEnded { why, .. }) => break Err(why),
            Some(_) => {}
            None if !live() => {
                // An engine that has stopped has ended the run already.
                let _ = send(Request::Cancel { job });
                break Err("cancelled".into());
            }
            None => browser::sleep_ms(20).await,
        }
    };
    SAMPLERS.with(|s| s.borrow_mut().remove(&job));
    outcome
}

/// Test hook: makes the engine's GPU device behave as if it had been lost (the driver
/// crashed or the tab was backgrounded), so the end-to-end tests can check that work
/// carries on on the CPU. Returns false when the engine has no GPU device.
#[wasm_bindgen]
pub fn genlab_simulate_gpu_loss() -> bool {
    let gpu = COMPUTE.with(|c| c.get()).is_some_and(|c| {
        matches!(
            c.detected.get_untracked(),
            crate::engine::protocol::Detected::Gpu(_)
        )
    });
    gpu && send(Request::SimulateGpuLoss).is_ok()
}
