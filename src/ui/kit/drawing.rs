//! The reader's own points, drawn by clicking on a plot: the points, and the line under
//! the plot with their count and a clear button. Lesson 1's map and the plane of lessons
//! 6, 8, 9 and 10 (`PlaneData`) draw with it. The points travel in the step's address.

use crate::lessons::route;
use leptos::prelude::*;

/// Points the reader drew, in the plot's data units.
#[derive(Clone, Copy)]
pub struct Drawing {
    pub points: RwSignal<Vec<(f32, f32)>>,
}

impl Drawing {
    pub fn new() -> Drawing {
        Drawing {
            points: RwSignal::new(Vec::new()),
        }
    }

    /// Adds the point (x, y).
    pub fn add(&self, x: f64, y: f64) {
        self.points.update(|d| d.push((x as f32, y as f32)));
    }

    /// The points as f64 pairs (tracked).
    pub fn pairs(&self) -> Vec<(f64, f64)> {
        self.points
            .with(|p| p.iter().map(|&(x, y)| (x as f64, y as f64)).collect())
    }

    /// The line under the plot: how to draw, the count, `what` the points are for, and a
    /// clear button (test id `clear_id`). While it is shown, the points travel in the
    /// step's address under `key` (`x,y;x,y`).
    pub fn view(
        self,
        what: &'static str,
        key: &'static str,
        clear_id: &'static str,
    ) -> impl IntoView {
        let points = self.points;
        super::state::share(
            key,
            move || points.with(|p| route::points_text(p)),
            move |text| {
                points.set(route::points_value(text)?);
                Ok(())
            },
        );
        view! {
            <p class="muted small">
                {move || format!("Click on the plot to add points ({} so far); {what}.", self.points.with(Vec::len))}
                " "
                <button data-testid=clear_id on:click=move |_| self.points.set(Vec::new())>"Clear drawing"</button>
            </p>
        }
    }
}

impl Default for Drawing {
    fn default() -> Self {
        Self::new()
    }
}
