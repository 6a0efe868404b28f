//! The lessons' interactive widgets, mounted by name from the lesson files' `widget`
//! blocks. Each widget keeps its own state in signals; state shared between the steps of
//! a lesson (the reader's data seed) lives in [`Shared`].

mod l0;
mod l1;
mod l10;
mod l2;
mod l3;
mod l4;
mod l5;
mod panel;

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

/// Mounts the widget called `name`.
#[component]
pub fn Widget(name: String, args: Vec<String>) -> impl IntoView {
    let _ = &args; // no widget takes arguments yet; the lesson format allows them
    let inner = match name.as_str() {
        "paintings-classifier" => l0::PaintingsClassifier().into_any(),
        "paintings-generator" => l0::PaintingsGenerator().into_any(),
        "land-box" => l1::LandBox().into_any(),
        "land-truth" => l1::LandTruth().into_any(),
        "land-models" => l1::LandModels().into_any(),
        "outfit-data" => l2::OutfitData().into_any(),
        "full-table" => l2::FullTableWidget().into_any(),
        "laplace" => l2::LaplaceWidget().into_any(),
        "nb-counting" => l2::NbCounting().into_any(),
        "outfit-probability" => l2::OutfitProbability().into_any(),
        "generate-outfits" => l2::GenerateOutfits().into_any(),
        "kl-vs-n" => l2::KlVsN().into_any(),
        "pixel-data" => l3::PixelData().into_any(),
        "pixel-model" => l3::PixelModelWidget().into_any(),
        "pixel-correlation" => l3::PixelCorrelation().into_any(),
        "jar-data" => l4::JarData().into_any(),
        "jar-pca" => l4::JarPca().into_any(),
        "jar-autoencoder" => l4::JarAutoencoder().into_any(),
        "vae-train" => l5::VaeTrain().into_any(),
        "vae-latent-map" => l5::VaeLatentMap().into_any(),
        "vae-interpolate" => l5::VaeInterpolate().into_any(),
        "vae-holes" => l5::VaeHoles().into_any(),
        "vae-beta" => l5::VaeBeta().into_any(),
        "vae-anomaly" => l5::VaeAnomaly().into_any(),
        "vae-features" => l5::VaeFeatures().into_any(),
        "diffusion-forward" => l10::DiffusionForward().into_any(),
        "diffusion-2d" => l10::Diffusion2d().into_any(),
        "diffusion-images" => l10::DiffusionImages().into_any(),
        other => {
            let why = format!("This step names a widget that does not exist: “{other}”.");
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
