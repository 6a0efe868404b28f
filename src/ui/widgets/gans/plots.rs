//! Lesson 6's 2-D GAN drawn: the plane (real points, fakes, D's map, the push on a few
//! fakes, the image of the noise grid) and the curves of coverage and D's accuracy.

use super::{Frame, Mark, GRID, PLANE};
use crate::models::gan2d::RING_MODES;
use crate::plot::{fmt_pct, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::plane_figure;

/// The plane's empty figure over [−span, span]² (also what maps a click to data).
pub(super) fn plane(span: f64) -> Figure {
    plane_figure(span, PLANE)
}

pub(super) fn plane_svg(real: &[(f64, f64)], f: &Frame) -> String {
    let described = match &f.cov {
        Some(c) => format!("{} of {RING_MODES} modes covered", c.covered),
        None => format!(
            "D right on {} of real and {} of fake points",
            fmt_pct(f.right_on_real),
            fmt_pct(f.right_on_fake)
        ),
    };
    let mut fig = plane(f.span)
        .title("Real points, fakes, and what D believes")
        .describe(format!(
            "{} real points in grey, {} fakes in orange over the discriminator's map (dark: D says real), and the image of a grid of noise under the generator in faint lines; {described}",
            real.len(),
            f.fakes.len(),
        ));
    fig.push(Layer::Heatmap {
        values: f.belief.clone(),
        cols: GRID,
        rows: GRID,
        lo: 0.0,
        hi: 1.0,
        map: ColourMap::Blues,
    });
    for (i, line) in f.warp.iter().enumerate() {
        fig.push(Layer::Line {
            pts: line.clone(),
            colour: "rgba(40, 40, 40, 0.3)".into(),
            dashed: false,
            label: (i == 0).then(|| "G's image of a noise grid".into()),
        });
    }
    fig.push(Layer::Scatter {
        pts: real.to_vec(),
        colour: "#555".into(),
        radius: 1.6,
        label: Some("real".into()),
    });
    fig.push(Layer::Scatter {
        pts: f.fakes.clone(),
        colour: PALETTE[1].into(),
        radius: 1.8,
        label: Some("fake".into()),
    });
    // Each push as a short stroke, its length shown relative to the strongest one.
    let strongest = f
        .pushes
        .iter()
        .map(|(_, g)| g.0.hypot(g.1))
        .fold(0.0f64, f64::max);
    if strongest > 0.0 {
        for &((x, y), (gx, gy)) in &f.pushes {
            let k = 0.15 / strongest;
            fig.push(Layer::Line {
                pts: vec![(x, y), (x + k * gx, y + k * gy)],
                colour: "#b35900".into(),
                dashed: false,
                label: None,
            });
        }
    }
    fig.to_svg()
}

pub(super) fn curves_svg(marks: &[Mark]) -> String {
    let last = marks.last().map_or(1, |m| m.step).max(1) as f64;
    let mut fig = Figure::new(
        Scale::Linear { lo: 0.0, hi: last },
        Scale::Linear { lo: 0.0, hi: 1.0 },
    )
    .size(360.0, 220.0)
    .labels("training step", "share")
    .title("Over training")
    .describe(match marks.last() {
        Some(m) => format!(
            "At step {}: {}D right on {} of real and {} of fake points",
            m.step,
            m.ring.map_or(String::new(), |(c, q)| format!(
                "{c} of {RING_MODES} modes covered, {} of fakes near a mode; ",
                fmt_pct(q)
            )),
            fmt_pct(m.right_on_real),
            fmt_pct(m.right_on_fake)
        ),
        None => "No training seen yet".into(),
    });
    type Pick = fn(&Mark) -> Option<f64>;
    let series: [(&str, Pick, usize, bool); 4] = [
        (
            "modes covered / 8",
            |m| m.ring.map(|r| r.0 as f64 / RING_MODES as f64),
            0,
            false,
        ),
        ("fakes near a mode", |m| m.ring.map(|r| r.1), 1, false),
        ("D right on real", |m| Some(m.right_on_real), 2, true),
        ("D right on fake", |m| Some(m.right_on_fake), 3, true),
    ];
    // The ring's figures only while the data are the ring.
    let ring = marks.last().is_some_and(|m| m.ring.is_some());
    for (label, pick, c, dashed) in series {
        let pts: Vec<(f64, f64)> = marks
            .iter()
            .filter_map(|m| pick(m).map(|v| (m.step as f64, v)))
            .collect();
        if !pts.is_empty() && (ring || !label.contains("mode")) {
            fig.push(Layer::Line {
                pts,
                colour: PALETTE[c].into(),
                dashed,
                label: Some(label.into()),
            });
        }
    }
    fig.push(Layer::Line {
        pts: vec![(0.0, 0.5), (last, 0.5)],
        colour: "#999".into(),
        dashed: true,
        label: Some("50 %: D guesses".into()),
    });
    fig.to_svg()
}
