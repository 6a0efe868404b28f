//! The plane of lessons 6, 8, 9 and 10: the reader's choice of data (one of the named data
//! sets, or "draw your own", where clicks on a plot add points, with a count and a clear
//! button), and the square figure the points and maps are drawn on.

use super::{Choice, Drawing};
use crate::models::plane::{Target, DRAWN, TARGET_NAMES};
use crate::plot::{Figure, Scale};
use leptos::prelude::*;

/// A square figure over [−span, span]², `side` SVG units wide (also what maps a click to
/// data).
pub fn plane_figure(span: f64, side: f64) -> Figure {
    let sq = Scale::Linear {
        lo: -span,
        hi: span,
    };
    Figure::new(sq, sq).size(side, side).labels("x₁", "x₂")
}

/// The centres of an n × n grid of cells over [−span, span]², row by row from the top (a
/// heat map's cells).
pub fn plane_cells(span: f64, n: usize) -> Vec<(f64, f64)> {
    let cell = 2.0 * span / n as f64;
    (0..n)
        .flat_map(|r| {
            (0..n).map(move |c| {
                (
                    -span + (c as f64 + 0.5) * cell,
                    span - (r as f64 + 0.5) * cell,
                )
            })
        })
        .collect()
}

/// The half-width of a square that shows `pts` with a margin, kept between `lo` and `hi`.
pub fn span_of(pts: &[(f64, f64)], lo: f64, hi: f64) -> f64 {
    let far = pts
        .iter()
        .map(|p| p.0.abs().max(p.1.abs()))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    (1.05 * far).clamp(lo, hi)
}

/// The chosen data set and the reader's drawing, as signals.
#[derive(Clone, Copy)]
pub struct PlaneData {
    pub index: RwSignal<u8>,
    pub drawn: Drawing,
}

impl PlaneData {
    /// Starting on the data set at `index` of [`TARGET_NAMES`].
    pub fn new(index: u8) -> PlaneData {
        PlaneData {
            index: RwSignal::new(index),
            drawn: Drawing::new(),
        }
    }

    /// The chosen data (tracked).
    pub fn target(&self) -> Target {
        Target::chosen(self.index.get(), self.drawn.points.get())
    }

    /// Whether clicks on the plane draw (tracked).
    pub fn drawing(&self) -> bool {
        self.index.get() == DRAWN
    }

    /// Adds a point where the reader clicked, when drawing.
    pub fn click(&self, x: f64, y: f64) {
        if self.index.get_untracked() == DRAWN {
            self.drawn.add(x, y);
        }
    }

    /// The data-set buttons and, while drawing, the count and a clear button. The choice's
    /// test id (and key in the step's address) is `data_id`, the drawing button's
    /// `draw_id` (also the drawn points' key in the address), the clear button's
    /// `clear_id`.
    pub fn view(
        self,
        data_id: &'static str,
        draw_id: &'static str,
        clear_id: &'static str,
    ) -> impl IntoView {
        let options = TARGET_NAMES
            .iter()
            .enumerate()
            .map(|(i, &name)| {
                let id = if i as u8 == DRAWN { draw_id } else { "" };
                (i as u8, name, id)
            })
            .collect();
        view! {
            <Choice label="Data:" options value=self.index testid=data_id/>
            {move || self.drawing().then(|| self.drawn.view("the next run trains on them", draw_id, clear_id))}
        }
    }
}
