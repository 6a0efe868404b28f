//! The run kit: how widgets run work step by step without freezing the page. A run's
//! loop holds a [`Ticket`] (`run_in_background`, `drive`), so a paused, restarted or
//! dropped run's old loop ends by itself; `async_memo` shows an answer asked of the
//! engine, the latest asked winning.

use super::browser;
use crate::train::run::RunState;
use leptos::prelude::*;

/// Waits for the browser's next turn (a zero-delay timeout), letting it paint and handle input.
pub async fn next_tick() {
    browser::sleep_ms(0).await;
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

/// An answer computed elsewhere (the engine), as a signal: `ask` runs now and whenever the
/// signals it reads before its first `.await` change; its future's answer is shown unless
/// a later-asked one has already arrived. `None` until the first answer; a `None` answer
/// keeps the last one shown.
pub fn async_memo<T, Fut>(ask: impl Fn() -> Fut + 'static) -> ReadSignal<Option<T>>
where
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<T>> + 'static,
{
    let out = RwSignal::new(None);
    let asked = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let shown = std::rc::Rc::new(std::cell::Cell::new(0u64));
    Effect::new(move |_| {
        let fut = ask();
        let id = asked.get() + 1;
        asked.set(id);
        let shown = shown.clone();
        leptos::task::spawn_local(async move {
            if let Some(v) = fut.await {
                if id > shown.get() {
                    shown.set(id);
                    let _ = out.try_set(Some(v));
                }
            }
        });
    });
    out.read_only()
}

/// A step-by-step run: awaits `step` once per browser turn while the ticket is live and
/// `step` says there is more. A step may ask the engine and wait for its answer: it gets
/// the ticket, to drop an answer that arrives after a pause.
pub fn drive<F, Fut>(run: RwSignal<RunState>, step: F)
where
    F: Fn(Ticket) -> Fut + 'static,
    Fut: std::future::Future<Output = bool>,
{
    run_in_background(run, move |ticket| async move {
        while ticket.live() && step(ticket).await {
            next_tick().await;
        }
    });
}
