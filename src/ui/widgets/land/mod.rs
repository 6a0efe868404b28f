//! Lesson 1: the land/sea map. A box model the reader drags (`game`), the truth revealed
//! with points A, B, C (`truth`), and four density models compared by held-out
//! log-likelihood (`models`). Here: the map's frame and layers the three share.

mod game;
mod models;
mod truth;

use game::LandBox;
use models::LandModels;
use truth::LandTruth;

use super::Widgets;
use crate::data::land::{LandMap, COLS, LESSON_TRAIN_SEED, ROWS, X_MAX, X_MIN, Y_MAX, Y_MIN};
use crate::data::Rng;
use crate::models::density2d::{BoxModel, Pt};
use crate::plot::{ColourMap, Figure, Layer, Scale, PALETTE};
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("land-box", || LandBox().into_any()),
    ("land-truth", || LandTruth().into_any()),
    ("land-models", || LandModels().into_any()),
];

const W: f64 = 560.0;
const H: f64 = 320.0;

fn frame() -> Figure {
    Figure::new(
        Scale::Linear {
            lo: X_MIN,
            hi: X_MAX,
        },
        Scale::Linear {
            lo: Y_MIN,
            hi: Y_MAX,
        },
    )
    .size(W, H)
    .labels("x₁ (longitude)", "x₂ (latitude)")
}

fn map_layer(land: &LandMap) -> Layer {
    Layer::Heatmap {
        values: land
            .land
            .iter()
            .map(|&l| if l { 1.0 } else { 0.0 })
            .collect(),
        cols: COLS,
        rows: ROWS,
        lo: 0.0,
        hi: 1.0,
        map: ColourMap::LandSea,
    }
}

fn train_points(land: &LandMap, n: usize) -> Vec<Pt> {
    land.sample(n, &mut Rng::new(LESSON_TRAIN_SEED))
}

fn box_layer(b: &BoxModel, label: &str) -> Layer {
    Layer::Rect {
        r: (b.x0, b.y0, b.x1, b.y1),
        fill: PALETTE[1].into(),
        stroke: PALETTE[1].into(),
        opacity: 0.12,
        label: Some(label.into()),
    }
}
