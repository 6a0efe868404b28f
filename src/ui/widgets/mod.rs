//! The lessons' interactive widgets, mounted by name from the lesson files' `widget`
//! blocks: one file per lesson topic, each with its `WIDGETS` table, and one line per
//! lesson in [`REGISTRY`]. Each widget keeps its own state in signals; state shared between
//! the steps of a lesson (the reader's data seed) lives in [`Shared`].

mod diffusion;
mod discriminative;
mod jars;
mod land;
mod outfits;
mod pixels;
mod vae;

use crate::data::rng::fresh_seed;
use leptos::prelude::*;

/// State that several widgets read, provided once by the app.
#[derive(Clone, Copy)]
pub struct Shared {
    /// Seed of lesson 2's fifty observed outfits.
    pub outfit_seed: RwSignal<u64>,
}

/// The seed of the lesson's own fifty outfits (the ones its prose describes).
pub const LESSON_OUTFIT_SEED: u64 = 2024;

impl Shared {
    pub fn new() -> Self {
        Shared {
            outfit_seed: RwSignal::new(LESSON_OUTFIT_SEED),
        }
    }
    pub fn reseed(&self) {
        self.outfit_seed.set(fresh_seed() % 1_000_000_007);
    }
}

/// A lesson's widgets: each name (as the lesson's Markdown writes it) with its component.
pub type Widgets = &'static [(&'static str, fn() -> AnyView)];

/// Every lesson's widgets: one line per lesson (the lesson's entry in `lessons::COURSE`
/// declares the same names; `tests/web.rs` checks the two agree).
const REGISTRY: &[Widgets] = &[
    discriminative::WIDGETS,
    land::WIDGETS,
    outfits::WIDGETS,
    pixels::WIDGETS,
    jars::WIDGETS,
    vae::WIDGETS,
    diffusion::WIDGETS,
];

/// The names of every registered widget, in course order.
pub fn registered() -> impl Iterator<Item = &'static str> {
    REGISTRY
        .iter()
        .flat_map(|w| w.iter().map(|(name, _)| *name))
}

/// Mounts the widget called `name`.
#[component]
pub fn Widget(name: String, args: Vec<String>) -> impl IntoView {
    let _ = &args; // no widget takes arguments yet; the lesson format allows them
    let found = REGISTRY
        .iter()
        .flat_map(|w| w.iter())
        .find(|(n, _)| *n == name);
    let inner = match found {
        Some((_, make)) => make(),
        None => {
            let why = format!("This step names a widget that does not exist: “{name}”.");
            web_sys::console::error_1(&why.clone().into());
            view! { <p class="error">{why}</p> }.into_any()
        }
    };
    view! { <section class="widget" data-widget=name.clone()>{inner}</section> }
}

/// An avatar drawn as SVG, with its description as title.
pub fn avatar_svg(a: &crate::data::Avatar, px: u32) -> String {
    crate::data::draw::svg(a, px)
}
