//! The lessons' interactive widgets, mounted by name from the lesson files' `widget`
//! blocks: one file per lesson topic, each with its `WIDGETS` table, and one line per
//! lesson in [`REGISTRY`]. Each widget keeps its own state in signals; state shared between
//! the steps of a lesson (the reader's data seed) lives in [`Shared`].

mod diffusion;
mod discriminative;
mod jars;
mod land;
mod outfits;
mod panel;
mod pixels;
mod vae;

use crate::data::rng::fresh_seed;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

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

/// Pointer position in the SVG's user units, for an SVG that fills its host's width.
pub fn svg_point(ev: &web_sys::MouseEvent, svg_width: f64) -> Option<(f64, f64)> {
    let el: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 {
        return None;
    }
    let k = svg_width / r.width();
    Some((
        (ev.client_x() as f64 - r.left()) * k,
        (ev.client_y() as f64 - r.top()) * k,
    ))
}

/// A labelled row of buttons choosing one value: each option is (value, text, test id;
/// "" for none). The chosen button is marked `selected` and `aria-pressed`.
#[component]
pub fn Choice<T>(
    label: &'static str,
    options: Vec<(T, &'static str, &'static str)>,
    value: RwSignal<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let buttons = options
        .into_iter()
        .map(|(v, text, testid)| {
            let chosen = move || value.get() == v;
            view! {
                <button class:selected=chosen aria-pressed=move || chosen().to_string()
                    data-testid=(!testid.is_empty()).then_some(testid)
                    on:click=move |_| value.set(v)>{text}</button>
            }
        })
        .collect_view();
    view! { <div class="controls"><span>{label}</span>{buttons}</div> }
}

/// A numeric slider with a visible label and value.
#[component]
pub fn Slider(
    label: &'static str,
    min: f64,
    max: f64,
    step: f64,
    value: RwSignal<f64>,
    #[prop(optional)] testid: &'static str,
    #[prop(optional, into)] show: Option<Callback<f64, String>>,
    /// Called from the input handler after `value` is set.
    #[prop(optional, into)]
    on_change: Option<Callback<f64>>,
) -> impl IntoView {
    let text = move || match show {
        Some(f) => f.run(value.get()),
        None => crate::plot::fmt_num(value.get()),
    };
    view! {
        <label class="slider">
            <span>{label}</span>
            <input
                type="range"
                min=min
                max=max
                step=step
                data-testid=testid
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        value.set(v);
                        if let Some(f) = on_change {
                            f.run(v);
                        }
                    }
                }
            />
            <output>{text}</output>
        </label>
    }
}

/// An avatar drawn as SVG, with its description as title.
pub fn avatar_svg(a: &crate::data::Avatar, px: u32) -> String {
    crate::data::draw::svg(a, px)
}
