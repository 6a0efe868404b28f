//! Lesson 1's reveal: the true land map, with points A, B and C placed against the box.

use super::{box_layer, frame, map_layer, train_points};
use crate::data::land::{LandMap, COLS, ROWS};
use crate::models::density2d::{BoxModel, Pt};
use crate::plot::{fmt_pct, Layer, PALETTE};
use leptos::prelude::*;

/// The cell centre nearest `target` that satisfies `want(is_land, inside_box)`, well clear
/// of the coast and of the box's edges so that its label is unambiguous.
fn find_point(
    land: &LandMap,
    b: &BoxModel,
    target: Pt,
    want: impl Fn(bool, bool) -> bool,
) -> Option<Pt> {
    let mut best: Option<(f64, Pt)> = None;
    for r in 2..ROWS - 2 {
        for c in 2..COLS - 2 {
            let p = LandMap::cell_centre(c, r);
            let solid = [(-4.0, 0.0), (4.0, 0.0), (0.0, -4.0), (0.0, 4.0)]
                .iter()
                .all(|(dx, dy)| land.is_land(p.0 + dx, p.1 + dy) == land.is_land(p.0, p.1));
            let inside = BoxModel {
                x0: b.x0 + 8.0,
                y0: b.y0 + 8.0,
                x1: b.x1 - 8.0,
                y1: b.y1 - 8.0,
            }
            .contains(p);
            let outside = !BoxModel {
                x0: b.x0 - 10.0,
                y0: b.y0 - 10.0,
                x1: b.x1 + 10.0,
                y1: b.y1 + 10.0,
            }
            .contains(p);
            if solid && (inside || outside) && want(land.is_land(p.0, p.1), inside) {
                let d = (p.0 - target.0).hypot(p.1 - target.1);
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, p));
                }
            }
        }
    }
    best.map(|b| b.1)
}

#[component]
pub fn LandTruth() -> impl IntoView {
    let land = LandMap::world();
    let pts = train_points(&land, 120);
    // A box a reader might draw: the data's bounding box, shrunk a little.
    let bb = BoxModel::bounding(&pts);
    let b = BoxModel {
        x0: bb.x0 + 0.15 * (bb.x1 - bb.x0),
        x1: bb.x1 - 0.1 * (bb.x1 - bb.x0),
        y0: bb.y0 + 0.15 * (bb.y1 - bb.y0),
        y1: bb.y1 - 0.05 * (bb.y1 - bb.y0),
    };
    let centre = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
    let a = find_point(&land, &b, centre, |is_land, inside| !is_land && inside);
    let bpt = find_point(&land, &b, (centre.0, b.y0 - 30.0), |is_land, inside| {
        is_land && !inside
    });
    let c = find_point(
        &land,
        &b,
        (centre.0 + 0.3 * (b.x1 - b.x0), centre.1),
        |is_land, inside| is_land && inside,
    );
    let revealed = RwSignal::new(false);
    // Exact shares from the mask: how much of the box is sea, how much land lies outside it.
    let (mut box_cells, mut box_sea, mut land_cells, mut land_out) = (0, 0, 0, 0);
    for r in 0..ROWS {
        for col in 0..COLS {
            let p = LandMap::cell_centre(col, r);
            let l = land.is_land(p.0, p.1);
            if b.contains(p) {
                box_cells += 1;
                box_sea += (!l) as usize;
            }
            if l {
                land_cells += 1;
                land_out += (!b.contains(p)) as usize;
            }
        }
    }
    let map = map_layer(&land);
    let svg = move || {
        let mut f = frame()
            .title(if revealed.get() { "P_data revealed: uniform on land" } else { "The data and a box model" })
            .describe("Data points, a box model, and the labelled points A (in the box, at sea), B (on land outside the box) and C (on land in the box).".to_string());
        if revealed.get() {
            f.push(map.clone());
        }
        f.push(box_layer(&b, "box model"));
        f.push(Layer::Scatter {
            pts: pts.clone(),
            colour: "currentColor".into(),
            radius: 2.6,
            label: None,
        });
        for (p, t) in [(a, "A"), (bpt, "B"), (c, "C")] {
            if let Some(p) = p {
                f.push(Layer::Scatter {
                    pts: vec![p],
                    colour: PALETTE[3].into(),
                    radius: 5.0,
                    label: None,
                });
                f.push(Layer::Text {
                    at: (p.0 + 7.0, p.1 + 7.0),
                    text: t.into(),
                });
            }
        }
        f.to_svg()
    };
    view! {
        <div class="plot-host" data-testid="land-truth-plot" inner_html=svg></div>
        <div class="controls">
            <button class="primary" data-testid="reveal" aria-pressed=move || revealed.get().to_string()
                on:click=move |_| revealed.update(|r| *r = !*r)>
                {move || if revealed.get() { "Hide the truth" } else { "Reveal P_data" }}
            </button>
        </div>
        <p class="readout">
            {format!(
                "Measured on the map: {} of this box is sea, so that share of the box model's samples could never come from P_data; and {} of the land lies outside the box, where P_data puts points that the model can never produce. Land covers {} of the whole map.",
                fmt_pct(box_sea as f64 / box_cells.max(1) as f64),
                fmt_pct(land_out as f64 / land_cells.max(1) as f64),
                fmt_pct(land.land_fraction())
            )}
        </p>
    }
}
