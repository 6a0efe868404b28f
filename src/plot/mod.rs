//! Plots as SVG strings: axes with ticks and labels, a legend, and a text description for
//! screen readers. Data in, markup out; no UI framework and no maths of the models here.
//!
//! Text and axes use `currentColor`, so a plot follows the page's light or dark theme.

mod colour;
pub mod contour;
mod image;
mod render;
mod scale;

pub use colour::{ColourMap, PALETTE};
pub use image::{bmp_data_url, image_grid};
pub use scale::{fmt_num, fmt_pct, fmt_prob, nice_ticks, trim_zeros, Scale};

/// About how wide `text` is at `size` px in the plots' sans-serif face.
fn text_width(text: &str, size: f64) -> f64 {
    0.55 * size * text.chars().count() as f64
}

/// `text` cut at the space nearest its middle, if it has one.
fn wrap_in_two(text: &str) -> Option<(&str, &str)> {
    let mid = text.len() / 2;
    let at = text
        .match_indices(' ')
        .map(|(i, _)| i)
        .min_by_key(|&i| i.abs_diff(mid))?;
    Some((&text[..at], &text[at + 1..]))
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Something drawn inside the axes.
#[derive(Clone, Debug)]
pub enum Layer {
    Scatter {
        pts: Vec<(f64, f64)>,
        colour: String,
        radius: f64,
        label: Option<String>,
    },
    Line {
        pts: Vec<(f64, f64)>,
        colour: String,
        dashed: bool,
        label: Option<String>,
    },
    /// Filled rectangle in data coordinates (x0, y0, x1, y1).
    Rect {
        r: (f64, f64, f64, f64),
        fill: String,
        stroke: String,
        opacity: f64,
        label: Option<String>,
    },
    /// Values on a regular grid covering the whole plot area, row 0 at the top.
    Heatmap {
        values: Vec<f64>,
        cols: usize,
        rows: usize,
        lo: f64,
        hi: f64,
        map: ColourMap,
    },
    /// An ellipse in data coordinates: centre, radii, rotation (radians).
    Ellipse {
        c: (f64, f64),
        rx: f64,
        ry: f64,
        angle: f64,
        colour: String,
    },
    /// A text label at a data point.
    Text { at: (f64, f64), text: String },
    /// Grouped vertical bars on a categorical x axis: one value per category per series.
    Bars {
        series: Vec<(String, String, Vec<f64>)>,
    },
}

/// A plot: axes, layers, labels, and what a screen reader should hear.
#[derive(Clone, Debug)]
pub struct Figure {
    pub width: f64,
    pub height: f64,
    pub x: Scale,
    pub y: Scale,
    pub x_label: String,
    pub y_label: String,
    pub title: String,
    pub description: String,
    pub layers: Vec<Layer>,
    /// Names of the categories when the x axis is categorical (bars).
    pub categories: Vec<String>,
    pub equal_aspect: bool,
}

pub const MARGIN_LEFT: f64 = 62.0;
pub const MARGIN_RIGHT: f64 = 12.0;
pub const MARGIN_TOP: f64 = 26.0;
pub const MARGIN_BOTTOM: f64 = 42.0;

impl Figure {
    pub fn new(x: Scale, y: Scale) -> Self {
        Figure {
            width: 480.0,
            height: 300.0,
            x,
            y,
            x_label: String::new(),
            y_label: String::new(),
            title: String::new(),
            description: String::new(),
            layers: Vec::new(),
            categories: Vec::new(),
            equal_aspect: false,
        }
    }

    /// Grouped bars, one group per named category (a feature's values), each series
    /// `(label, colour, one value per category)`; the y axis runs from 0 to a little above
    /// the tallest bar.
    pub fn category_bars(categories: &[&str], series: Vec<(String, String, Vec<f64>)>) -> Self {
        let tallest = series
            .iter()
            .flat_map(|(_, _, v)| v.iter().copied())
            .fold(0.0, f64::max);
        let k = categories.len() as f64;
        let mut fig = Figure::new(
            Scale::Linear {
                lo: -0.5,
                hi: k - 0.5,
            },
            Scale::Linear {
                lo: 0.0,
                hi: (tallest * 1.15).max(0.05),
            },
        )
        .layer(Layer::Bars { series });
        fig.categories = categories.iter().map(|c| c.to_string()).collect();
        fig
    }

    pub fn size(mut self, w: f64, h: f64) -> Self {
        self.width = w;
        self.height = h;
        self
    }
    pub fn labels(mut self, x: &str, y: &str) -> Self {
        self.x_label = x.into();
        self.y_label = y.into();
        self
    }
    pub fn title(mut self, t: &str) -> Self {
        self.title = t.into();
        self
    }
    pub fn describe(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }
    pub fn layer(mut self, l: Layer) -> Self {
        self.layers.push(l);
        self
    }
    pub fn push(&mut self, l: Layer) {
        self.layers.push(l);
    }

    fn plot_w(&self) -> f64 {
        self.width - MARGIN_LEFT - MARGIN_RIGHT
    }
    fn plot_h(&self) -> f64 {
        self.height - self.top() - MARGIN_BOTTOM
    }

    /// Top margin: room for the title, and for the legend's rows.
    fn top(&self) -> f64 {
        MARGIN_TOP + 18.0 * self.legend_layout().last().map_or(0.0, |p| p.1 + 1.0)
    }

    /// Where each legend item goes: x and row, wrapping at the figure's width.
    fn legend_layout(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let (mut x, mut row) = (MARGIN_LEFT, 0.0);
        for (t, _, _) in self.legend_items() {
            let w = 6.2 * t.chars().count() as f64 + 30.0;
            if x > MARGIN_LEFT && x + w - 10.0 > self.width {
                x = MARGIN_LEFT;
                row += 1.0;
            }
            out.push((x, row));
            x += w;
        }
        out
    }

    /// Data → SVG user coordinates.
    pub fn to_px(&self, p: (f64, f64)) -> (f64, f64) {
        (
            MARGIN_LEFT + self.x.frac(p.0) * self.plot_w(),
            self.top() + (1.0 - self.y.frac(p.1)) * self.plot_h(),
        )
    }

    /// SVG user coordinates → data (for pointer interaction).
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        (
            self.x.inverse((px - MARGIN_LEFT) / self.plot_w()),
            self.y.inverse(1.0 - (py - self.top()) / self.plot_h()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_name_wider_than_its_band_takes_two_lines() {
        let names = [
            "black",
            "blue",
            "grey",
            "pastel green",
            "pastel orange",
            "pink",
            "red",
            "white",
        ];
        let fig = Figure::category_bars(&names, vec![("a".into(), "#111".into(), vec![0.1; 8])])
            .size(560.0, 260.0);
        let svg = fig.to_svg();
        assert!(svg.contains(">pastel</tspan>"), "{svg}");
        assert!(svg.contains(">orange</tspan>"));
        assert!(svg.contains(">black</text>"));
        assert_eq!(wrap_in_two("V-neck shirt"), Some(("V-neck", "shirt")));
        assert_eq!(wrap_in_two("hoodie"), None);
    }

    #[test]
    fn category_bars_draw_every_value_under_its_name() {
        let names = ["first", "second", "third", "fourth value", "fifth", "sixth"];
        let series = |v: f64| (0..6).map(|i| v + 0.01 * i as f64).collect::<Vec<_>>();
        let fig = Figure::category_bars(
            &names,
            vec![
                ("P_data".into(), "#111".into(), series(0.1)),
                ("VAE samples".into(), "#222".into(), series(0.12)),
                ("autoencoder samples".into(), "#333".into(), series(0.14)),
            ],
        );
        let svg = fig.to_svg();
        for n in names {
            // On one line, or (too wide for its band) on two.
            let two = n.split(' ').all(|w| svg.contains(&format!(">{w}</tspan>")));
            assert!(svg.contains(&format!(">{n}</text>")) || two, "no label {n}");
        }
        // Six bars per series, each inside the plot area.
        let right = fig.width - MARGIN_RIGHT;
        for colour in ["#111", "#222", "#333"] {
            let bars: Vec<f64> = svg
                .split("<rect x=\"")
                .filter(|r| {
                    r.split('>')
                        .next()
                        .unwrap()
                        .ends_with(&format!("fill=\"{colour}\"/"))
                })
                .map(|r| r.split('"').next().unwrap().parse().unwrap())
                .collect();
            assert_eq!(bars.len(), 6, "{colour}: {bars:?}");
            assert!(
                bars.iter().all(|x| *x >= MARGIN_LEFT && *x < right),
                "{bars:?}"
            );
        }
    }

    #[test]
    fn log_axes_under_a_decade_still_carry_numbers() {
        let t = |lo, hi| Scale::Log { lo, hi }.ticks();
        let close = |a: Vec<f64>, b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12 * y)
        };
        assert!(close(t(0.05, 0.3), &[0.05, 0.1, 0.2]), "{:?}", t(0.05, 0.3));
        assert!(close(t(0.01, 10.0), &[0.01, 0.1, 1.0, 10.0]));
        let narrow = t(0.031, 0.048);
        assert!(narrow.len() >= 2, "{narrow:?}");
        assert!(narrow.iter().all(|v| (0.031..=0.048).contains(v)));
        let svg = Figure::new(
            Scale::Linear { lo: 0.0, hi: 1.0 },
            Scale::Log {
                lo: 0.031,
                hi: 0.048,
            },
        )
        .labels("step", "loss (log scale)")
        .to_svg();
        let labels = svg.matches(r#"text-anchor="end""#).count();
        assert!(labels >= 2, "a log axis without numbers: {svg}");
    }

    #[test]
    fn pixel_and_data_coordinates_round_trip() {
        let f = Figure::new(
            Scale::Linear {
                lo: -180.0,
                hi: 180.0,
            },
            Scale::Log { lo: 0.01, hi: 10.0 },
        );
        let (px, py) = f.to_px((30.0, 0.5));
        let (x, y) = f.to_data(px, py);
        assert!((x - 30.0).abs() < 1e-9 && (y - 0.5).abs() < 1e-9);
    }

    #[test]
    fn svg_has_title_description_and_legend() {
        let f = Figure::new(
            Scale::Linear { lo: 0.0, hi: 1.0 },
            Scale::Linear { lo: 0.0, hi: 1.0 },
        )
        .title("KL <divergence>")
        .describe("Two lines.")
        .layer(Layer::Line {
            pts: vec![(0.0, 0.0), (1.0, 1.0)],
            colour: PALETTE[0].into(),
            dashed: false,
            label: Some("naive Bayes".into()),
        });
        let s = f.to_svg();
        assert!(s.contains("<title>KL &lt;divergence&gt;</title>"));
        assert!(s.contains("<desc>Two lines.</desc>"));
        assert!(s.contains("naive Bayes"));
        assert!(s.contains("<path d=\"M62.0,"));
    }
}
