//! Lesson 10 (diffusion): the forward process under two schedules; a DDPM on 2-D points
//! trained here whose reverse process the reader watches particle by particle; and the
//! conditional U-Net on Avatar World, sampled from a prompt with classifier-free guidance
//! on the page's device (WebGPU or the CPU), step by step with progress and cancel. Here:
//! the widget table and the planes and data the first two share.

mod forward;
mod images;
mod reverse;

use forward::DiffusionForward;
use images::DiffusionImages;
use reverse::Diffusion2d;

use super::Widgets;
use crate::data::Rng;
use crate::models::diffusion as dm;
use crate::plot::{Figure, Layer, Scale, PALETTE};
use crate::ui::kit::Choice;
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("diffusion-forward", || DiffusionForward().into_any()),
    ("diffusion-2d", || Diffusion2d().into_any()),
    ("diffusion-images", || DiffusionImages().into_any()),
];

fn data(land: bool, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed);
    if land {
        dm::land_points(n, &mut rng)
    } else {
        dm::swiss_roll(n, &mut rng)
    }
}

/// The data sets of the 2-D DDPM with shipped models, by their place in the plane's
/// choice ([`crate::models::plane::TARGET_NAMES`]).
const SWISS_ROLL: u8 = 2;
const LAND: u8 = 3;
/// The width of the 2-D planes, in SVG units.
const PLANE_W: f64 = 380.0;

/// The reverse process's particles at step `t` over the data in grey (also what maps a
/// click on that plot to the plane).
fn particles_figure(t: usize, truth: Vec<(f64, f64)>, xt: Vec<(f64, f64)>) -> Figure {
    plane(&format!("particles x_t, t = {t}"))
        .layer(data_layer(truth))
        .layer(Layer::Scatter {
            pts: xt,
            colour: PALETTE[1].into(),
            radius: 2.0,
            label: Some("x_t".into()),
        })
}

/// The data, in grey, under the particles and the guesses of x₀.
fn data_layer(truth: Vec<(f64, f64)>) -> Layer {
    Layer::Scatter {
        pts: truth,
        colour: "#cccccc".into(),
        radius: 1.5,
        label: Some("data".into()),
    }
}

fn plane(title: &str) -> Figure {
    Figure::new(
        Scale::Linear { lo: -2.5, hi: 2.5 },
        Scale::Linear { lo: -2.0, hi: 2.0 },
    )
    .size(PLANE_W, 320.0)
    .labels("x₁", "x₂")
    .title(title)
}

fn data_toggle(land: RwSignal<bool>) -> impl IntoView {
    let options = vec![
        (false, "swiss roll", ""),
        (true, "land of the world map", "pick-land"),
    ];
    view! { <Choice label="Data:" options value=land testid="diffusion-data"/> }
}
