//! The lessons' interactive widgets, mounted by name from the lesson files' `widget`
//! blocks: one file per lesson topic, each with its `WIDGETS` table, and one line per
//! lesson in [`REGISTRY`]. Each widget keeps its own state in signals; state shared between
//! the steps of a lesson (the reader's data seed) lives in [`Shared`].

mod autoregressive;
mod diffusion;
mod discriminative;
mod energies;
mod flows;
mod gans;
mod jars;
mod land;
mod outfits;
mod pixels;
mod vae;

use super::split::later_fn;
pub use super::split::ChunkFailed;
use crate::data::rng::fresh_seed;
use crate::lessons::exercise::Facts;
use futures_channel::oneshot;
use leptos::prelude::*;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

/// State that several widgets read, provided once by the app.
#[derive(Clone, Copy)]
pub struct Shared {
    /// Seed of lesson 2's fifty observed outfits.
    pub outfit_seed: RwSignal<u64>,
    /// The reader's own outfits for lesson 2 (a CSV file they opened), used instead of
    /// the fifty drawn from the seed while set.
    pub own_outfits: RwSignal<Option<OwnOutfits>>,
    /// The numbers widgets publish for exercises to check (`lessons::exercise`).
    pub facts: RwSignal<Facts>,
}

/// Outfits from a reader's CSV file: its name and the people in it.
#[derive(Clone, PartialEq)]
pub struct OwnOutfits {
    pub file: String,
    pub people: std::sync::Arc<[crate::data::Avatar]>,
}

/// Publishes a number for the exercises under a widget (a name such as
/// "land.box-mass"; NaN withdraws it). Kept for the whole visit, across steps.
pub fn publish(name: &'static str, value: f64) {
    let facts = expect_context::<Shared>().facts;
    let now = facts.with_untracked(|f| f.get(name).copied());
    if value.is_finite() && now != Some(value) {
        facts.update(|f| {
            f.insert(name.to_string(), value);
        });
    } else if !value.is_finite() && now.is_some() {
        facts.update(|f| {
            f.remove(name);
        });
    }
}

/// The seed of the lesson's own fifty outfits (the ones its prose describes).
pub const LESSON_OUTFIT_SEED: u64 = 2024;

impl Shared {
    pub fn new() -> Self {
        Shared {
            outfit_seed: RwSignal::new(LESSON_OUTFIT_SEED),
            own_outfits: RwSignal::new(None),
            facts: RwSignal::new(Facts::new()),
        }
    }
    /// Fifty new outfits from a fresh seed (the reader's own file, if any, is put away).
    pub fn reseed(&self) {
        self.own_outfits.set(None);
        self.outfit_seed.set(fresh_seed() % 1_000_000_007);
    }
    /// Back to the fifty outfits the lesson's prose describes.
    pub fn lesson_outfits(&self) {
        self.own_outfits.set(None);
        self.outfit_seed.set(LESSON_OUTFIT_SEED);
    }
    /// Whether lesson 2 shows the outfits its prose describes.
    pub fn is_lesson_outfits(&self) -> bool {
        self.own_outfits.with(Option::is_none) && self.outfit_seed.get() == LESSON_OUTFIT_SEED
    }
}

/// A lesson's widgets: each name (as the lesson's Markdown writes it) with its component.
pub type Widgets = &'static [(&'static str, fn() -> AnyView)];

/// Where a lesson's widgets live in the page build.
enum Part {
    /// In the first-visit wasm (home and lessons 0–3 must open without more downloads).
    Now(Widgets),
    /// In a chunk of its own, downloaded when a step first shows one of them (see
    /// [`later!`]).
    Later(fn() -> Chunk),
}

/// A lesson's widget table on its way from its chunk.
type Chunk = Pin<Box<dyn Future<Output = Result<Widgets, ChunkFailed>>>>;

/// A lesson whose widgets load later: `later!(module)` puts the module's code into a wasm
/// chunk of its own in the site's build (see `ui::split`).
macro_rules! later {
    ($module:ident) => {{
        later_fn!(
            $module,
            fn table() -> Widgets {
                $module::WIDGETS
            }
        );
        Part::Later(|| Box::pin(table()))
    }};
}

/// Every lesson's widgets: one line per lesson, in course order (the lesson's entry in
/// `lessons::COURSE` declares the same names; `tests/web.rs` checks the two agree).
const REGISTRY: &[Part] = &[
    Part::Now(discriminative::WIDGETS),
    Part::Now(land::WIDGETS),
    Part::Now(outfits::WIDGETS),
    Part::Now(pixels::WIDGETS),
    later!(jars),
    later!(vae),
    later!(gans),
    later!(autoregressive),
    later!(flows),
    later!(energies),
    later!(diffusion),
];

/// Where each registry line's chunk stands (by line): one download at a time per chunk,
/// whoever asks for it (the start-up prefetch, each widget of a step).
enum Fetch {
    Idle,
    /// In flight; these wait for its answer.
    Waiting(Vec<oneshot::Sender<Result<Widgets, ChunkFailed>>>),
    Done(Widgets),
}

thread_local! {
    static FETCHES: RefCell<Vec<Fetch>> =
        RefCell::new(REGISTRY.iter().map(|_| Fetch::Idle).collect());
}

/// The widget table of registry line `i`, downloading its chunk if it has one.
async fn table(i: usize) -> Result<Widgets, ChunkFailed> {
    let load = match REGISTRY.get(i) {
        None => return Ok(&[]),
        Some(Part::Now(w)) => return Ok(w),
        Some(Part::Later(load)) => *load,
    };
    let wait = FETCHES.with(|f| match &mut f.borrow_mut()[i] {
        Fetch::Done(w) => Err(Ok(*w)),
        Fetch::Waiting(q) => {
            let (tx, rx) = oneshot::channel();
            q.push(tx);
            Ok(Some(rx))
        }
        idle @ Fetch::Idle => {
            *idle = Fetch::Waiting(Vec::new());
            Ok(None)
        }
    });
    match wait {
        Err(done) => done,
        Ok(Some(rx)) => rx.await.unwrap_or(Err(ChunkFailed)),
        Ok(None) => {
            let got = load().await;
            let waiting = FETCHES.with(|f| {
                let next = match &got {
                    Ok(w) => Fetch::Done(w),
                    Err(ChunkFailed) => Fetch::Idle, // the next ask tries again
                };
                std::mem::replace(&mut f.borrow_mut()[i], next)
            });
            if let Fetch::Waiting(q) = waiting {
                for tx in q {
                    let _ = tx.send(match &got {
                        Ok(w) => Ok(*w),
                        Err(ChunkFailed) => Err(ChunkFailed),
                    });
                }
            }
            got
        }
    }
}

/// The names of every registered widget, in course order (loads every chunk).
pub async fn registered() -> Result<Vec<&'static str>, ChunkFailed> {
    let mut names = Vec::new();
    for i in 0..REGISTRY.len() {
        names.extend(table(i).await?.iter().map(|(name, _)| *name));
    }
    Ok(names)
}

/// Starts downloading the chunk of the lesson at `lesson` (a place in the course), if its
/// widgets have one: the page calls this as it starts, so that a link straight to a later
/// lesson fetches the chunk beside the page's first render instead of after it.
pub fn prefetch(lesson: usize) {
    if let Some(Part::Later(_)) = REGISTRY.get(lesson) {
        wasm_bindgen_futures::spawn_local(async move {
            // A failure is reported by the widget, which asks again.
            let _ = table(lesson).await;
        });
    }
}

fn missing(name: &str) -> String {
    format!("This step names a widget that does not exist: “{name}”.")
}

/// Mounts the widget called `name`, once its lesson's chunk is in.
#[component]
pub fn Widget(name: String, args: Vec<String>) -> impl IntoView {
    let _ = &args; // no widget takes arguments yet; the lesson format allows them
    let state: RwSignal<Option<Result<fn() -> AnyView, String>>> = RwSignal::new(None);
    let lookup = {
        let name = name.clone();
        move || {
            let line = crate::lessons::lesson_of_widget(&name);
            let name = name.clone();
            let found = move |table: Result<Widgets, ChunkFailed>| {
                let found = match table {
                    Ok(w) => w
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, make)| *make)
                        .ok_or_else(|| missing(&name)),
                    Err(ChunkFailed) => {
                        Err("This step's widgets could not be downloaded (are you offline?)".into())
                    }
                };
                if let Err(why) = &found {
                    web_sys::console::error_1(&why.into());
                }
                state.set(Some(found));
            };
            match line.and_then(|i| Some((i, REGISTRY.get(i)?))) {
                None => found(Ok(&[])),
                // At once, so that the first visit's steps never flash a loading line.
                Some((_, Part::Now(w))) => found(Ok(w)),
                Some((i, Part::Later(_))) => {
                    // Later lessons train and sample in the engine: start it while their
                    // chunk downloads rather than after.
                    crate::ui::engine::wake();
                    leptos::task::spawn_local(async move { found(table(i).await) })
                }
            }
        }
    };
    lookup();
    let inner = move || match state.get() {
        None => view! { <p class="loading">"Loading this step's widgets…"</p> }.into_any(),
        Some(Ok(make)) => make(),
        Some(Err(why)) => {
            let lookup = lookup.clone();
            view! {
                <p class="error" data-testid="widget-failed">{why}</p>
                <button data-testid="widget-retry" on:click=move |_| {
                    state.set(None);
                    lookup();
                }>"Try again"</button>
            }
            .into_any()
        }
    };
    view! { <section class="widget" data-widget=name.clone()>{inner}</section> }
}

/// An avatar drawn as SVG, with its description as title.
pub fn avatar_svg(a: &crate::data::Avatar, px: u32) -> String {
    crate::data::draw::svg(a, px)
}
