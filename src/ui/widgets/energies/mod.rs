//! Lesson 9: energy-based models. Langevin particles on landscapes in the plane (one known
//! exactly, one learnt), then a restricted Boltzmann machine on people in black and white.

mod langevin;
mod rbm;

use super::Widgets;
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("langevin-known", || langevin::known().into_any()),
    ("ebm-train", || langevin::trained().into_any()),
    ("rbm-train", || rbm::train().into_any()),
    ("rbm-gibbs", || rbm::gibbs().into_any()),
    ("rbm-inpaint", || rbm::inpaint().into_any()),
    ("rbm-anomaly", || rbm::anomaly().into_any()),
];
