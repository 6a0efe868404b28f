//! Lesson 10's forward process: data dissolving into noise under the linear and cosine
//! schedules, with the signal each keeps.

use super::{data, data_toggle, plane};
use crate::data::Rng;
use crate::models::diffusion::{Schedule, ScheduleKind};
use crate::models::zoo::T_2D;
use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::{Choice, Slider};
use crate::ui::widgets::publish;
use leptos::prelude::*;

#[component]
pub fn DiffusionForward() -> impl IntoView {
    let land = RwSignal::new(false);
    let cosine = RwSignal::new(false);
    let t = RwSignal::new(0.0);
    let schedules = [
        Schedule::new(ScheduleKind::Linear, T_2D),
        Schedule::new(ScheduleKind::Cosine, T_2D),
    ];
    let s2 = schedules.clone();
    let curves = move || {
        let tt = t.get();
        let mut f = Figure::new(
            Scale::Linear {
                lo: 0.0,
                hi: T_2D as f64,
            },
            Scale::Linear { lo: 0.0, hi: 1.0 },
        )
        .size(380.0, 260.0)
        .labels("t", "ᾱ_t (signal kept)")
        .title("Noise schedules")
        .describe("ᾱ_t against t for the linear and cosine schedules, with the chosen t marked.");
        for (i, (s, name)) in s2.iter().zip(["linear", "cosine"]).enumerate() {
            f.push(Layer::Line {
                pts: (0..=T_2D).map(|k| (k as f64, s.ab(k))).collect(),
                colour: PALETTE[i].into(),
                dashed: false,
                label: Some(name.into()),
            });
        }
        f.push(Layer::Line {
            pts: vec![(tt, 0.0), (tt, 1.0)],
            colour: "#888".into(),
            dashed: true,
            label: None,
        });
        f.to_svg()
    };
    let s3 = schedules.clone();
    let points = move || {
        let s = &s3[cosine.get() as usize];
        let k = t.get() as usize;
        let x0 = data(land.get(), 600, 3);
        let mut rng = Rng::new(4);
        let (a, b) = (s.ab(k).sqrt(), (1.0 - s.ab(k)).sqrt());
        let pts: Vec<(f64, f64)> = x0
            .iter()
            .map(|p| (a * p.0 + b * rng.normal(), a * p.1 + b * rng.normal()))
            .collect();
        plane(&format!("x_t at t = {k}"))
            .describe(format!("600 data points after {k} steps of noising."))
            .layer(Layer::Scatter {
                pts,
                colour: PALETTE[0].into(),
                radius: 2.0,
                label: None,
            })
            .to_svg()
    };
    // For the exercise: the signal both schedules keep at t, and the linear one a step before.
    let s4 = schedules.clone();
    Effect::new(move |_| {
        let k = t.get() as usize;
        publish("diffusion.t", k as f64);
        publish("diffusion.linear-ab", s4[0].ab(k));
        publish("diffusion.linear-ab-before", s4[0].ab(k.saturating_sub(1)));
        publish("diffusion.cosine-ab", s4[1].ab(k));
    });
    let readout = move || {
        let s = &schedules[cosine.get() as usize];
        let k = t.get() as usize;
        format!(
            "t = {k}: ᾱ_t = {}, signal-to-noise ratio ᾱ/(1 − ᾱ) = {}",
            fmt_num(s.ab(k)),
            if k == 0 {
                "∞".to_string()
            } else {
                fmt_num(s.snr(k))
            }
        )
    };
    view! {
        {data_toggle(land)}
        <Choice label="Schedule:" options=vec![(false, "linear", ""), (true, "cosine", "")] value=cosine testid="diffusion-schedule"/>
        <Slider label="t" min=0.0 max=T_2D as f64 step=1.0 value=t testid="forward-t"/>
        <p class="readout" data-testid="forward-readout">{readout}</p>
        <div class="side-by-side">
            <div class="plot-host side" inner_html=curves></div>
            <div class="plot-host side" data-testid="forward-points" inner_html=points></div>
        </div>
    }
}
