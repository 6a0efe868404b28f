//! Lesson 1's game: a box the reader drags and resizes over the map, and its sampled points.

use super::{box_layer, frame, train_points, W};
use crate::data::land::{LandMap, X_MAX, X_MIN, Y_MAX, Y_MIN};
use crate::data::Rng;
use crate::models::density2d::{BoxModel, Density2, Pt};
use crate::plot::{fmt_pct, Layer, PALETTE};
use crate::ui::kit::svg_point;
use leptos::prelude::*;
use std::sync::Arc as Rc;

#[derive(Clone, Copy, Debug)]
enum Drag {
    Move { dx: f64, dy: f64 },
    Corner { fix_x: f64, fix_y: f64 },
}

#[component]
pub fn LandBox() -> impl IntoView {
    let land = Rc::new(LandMap::world());
    let pts = train_points(&land, 120);
    let start = BoxModel::bounding(&pts);
    let bx = RwSignal::new(start);
    let samples = RwSignal::new(Vec::<Pt>::new());
    let drag = RwSignal::new(None::<Drag>);
    let draws = RwSignal::new(0u64);
    let pts2 = pts.clone();
    let svg = move || {
        let b = bx.get();
        frame()
            .title("P_model: a box around the data")
            .describe(format!(
                "{} data points and a box from x₁ = {:.0} to {:.0}, x₂ = {:.0} to {:.0}, with {} points sampled from the box.",
                pts2.len(), b.x0, b.x1, b.y0, b.y1, samples.get().len()
            ))
            .layer(box_layer(&b, "box model"))
            .layer(Layer::Scatter { pts: pts2.clone(), colour: "currentColor".into(), radius: 2.8, label: None })
            .layer(Layer::Scatter { pts: samples.get(), colour: PALETTE[1].into(), radius: 4.0, label: Some("sampled from the box".into()) })
            .to_svg()
    };
    let set_box = move |b: BoxModel| {
        let clamp = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
        let nb = BoxModel {
            x0: clamp(b.x0.min(b.x1), X_MIN, X_MAX),
            x1: clamp(b.x0.max(b.x1), X_MIN, X_MAX),
            y0: clamp(b.y0.min(b.y1), Y_MIN, Y_MAX),
            y1: clamp(b.y0.max(b.y1), Y_MIN, Y_MAX),
        };
        bx.set(nb);
        samples.set(Vec::new());
    };
    let down = move |ev: web_sys::PointerEvent| {
        let Some((px, py)) = svg_point(&ev, W) else {
            return;
        };
        let f = frame();
        let (x, y) = f.to_data(px, py);
        let b = bx.get_untracked();
        let corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)];
        let near = corners.iter().position(|&c| {
            let (cx, cy) = f.to_px(c);
            (cx - px).hypot(cy - py) < 14.0
        });
        let d = match near {
            Some(i) => Drag::Corner {
                fix_x: corners[3 - i].0,
                fix_y: corners[3 - i].1,
            },
            None if b.contains((x, y)) => Drag::Move {
                dx: x - b.x0,
                dy: y - b.y0,
            },
            None => {
                set_box(BoxModel {
                    x0: x,
                    y0: y,
                    x1: x,
                    y1: y,
                });
                Drag::Corner { fix_x: x, fix_y: y }
            }
        };
        drag.set(Some(d));
        if let Some(t) = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            let _ = t.set_pointer_capture(ev.pointer_id());
        }
    };
    let moved = move |ev: web_sys::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        let Some((px, py)) = svg_point(&ev, W) else {
            return;
        };
        let (x, y) = frame().to_data(px, py);
        let b = bx.get_untracked();
        match d {
            Drag::Move { dx, dy } => {
                let (w, h) = (b.x1 - b.x0, b.y1 - b.y0);
                let x0 = (x - dx).clamp(X_MIN, X_MAX - w);
                let y0 = (y - dy).clamp(Y_MIN, Y_MAX - h);
                set_box(BoxModel {
                    x0,
                    y0,
                    x1: x0 + w,
                    y1: y0 + h,
                });
            }
            Drag::Corner { fix_x, fix_y } => set_box(BoxModel {
                x0: fix_x,
                y0: fix_y,
                x1: x,
                y1: y,
            }),
        }
    };
    let key = move |ev: web_sys::KeyboardEvent| {
        let b = bx.get_untracked();
        let (dx, dy) = match ev.key().as_str() {
            "ArrowLeft" => (-5.0, 0.0),
            "ArrowRight" => (5.0, 0.0),
            "ArrowUp" => (0.0, 5.0),
            "ArrowDown" => (0.0, -5.0),
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        if ev.shift_key() {
            set_box(BoxModel {
                x1: (b.x1 + dx).max(b.x0 + 1.0),
                y1: (b.y1 + dy).max(b.y0 + 1.0),
                ..b
            });
        } else {
            set_box(BoxModel {
                x0: b.x0 + dx,
                x1: b.x1 + dx,
                y0: b.y0 + dy,
                y1: b.y1 + dy,
            });
        }
    };
    let sample = move |_| {
        let b = bx.get_untracked();
        let mut rng = Rng::new(500 + draws.get_untracked());
        draws.update(|d| *d += 1);
        let new: Vec<Pt> = (0..20).map(|_| b.sample(&mut rng)).collect();
        samples.update(|s| s.extend(new));
    };
    let pts3 = pts.clone();
    let inside = move || pts3.iter().filter(|&&p| bx.get().contains(p)).count();
    let n = pts.len();
    view! {
        <div class="plot-host draggable" data-testid="land-box-plot" tabindex="0"
            aria-label="The box model. Drag to move it, drag a corner to resize, drag outside to draw a new box; arrow keys move it, Shift+arrows resize it."
            on:pointerdown=down on:pointermove=moved on:pointerup=move |_| drag.set(None)
            on:keydown=key inner_html=svg></div>
        <p class="readout" data-testid="land-box-readout">
            {move || {
                let b = bx.get();
                format!(
                    "Box: x₁ from {:.0} to {:.0}, x₂ from {:.0} to {:.0}. It covers {} of the map and holds {} of the {n} data points.",
                    b.x0, b.x1, b.y0, b.y1, fmt_pct(b.area() / ((X_MAX - X_MIN) * (Y_MAX - Y_MIN))), inside()
                )
            }}
        </p>
        <div class="controls">
            <button class="primary" data-testid="sample-box" on:click=sample>"Sample 20 points from the box"</button>
            <button on:click=move |_| set_box(start)>"Reset the box"</button>
        </div>
    }
}
