//! Plots as SVG strings: axes with ticks and labels, a legend, and a text description for
//! screen readers. Data in, markup out; no UI framework and no maths of the models here.
//!
//! Text and axes use `currentColor`, so a plot follows the page's light or dark theme.

use std::fmt::Write;

mod colour;
pub mod contour;
mod image;
mod scale;

pub use colour::{ColourMap, PALETTE};
pub use image::{bmp_data_url, image_grid};
pub use scale::{fmt_num, fmt_pct, fmt_prob, nice_ticks, Scale};

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

    pub fn to_svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 {w} {h}" role="img" aria-label="{}" preserveAspectRatio="xMidYMid meet" font-size="11" font-family="system-ui, sans-serif"><title>{}</title><desc>{}</desc>"#,
            esc(&self.title),
            esc(&self.title),
            esc(&self.description)
        );
        let (x0, y0) = (MARGIN_LEFT, self.top());
        let (pw, ph) = (self.plot_w(), self.plot_h());
        let _ = write!(
            s,
            r#"<defs><clipPath id="clip{}"><rect x="{x0}" y="{y0}" width="{pw}" height="{ph}"/></clipPath></defs>"#,
            self.clip_id()
        );
        let _ = write!(s, r#"<g clip-path="url(#clip{})">"#, self.clip_id());
        for l in &self.layers {
            self.layer_svg(&mut s, l);
        }
        s.push_str("</g>");
        self.axes_svg(&mut s);
        self.legend_svg(&mut s);
        s.push_str("</svg>");
        s
    }

    fn clip_id(&self) -> u64 {
        // Distinct plots on one page need distinct clip ids; hash the title and size.
        let mut hsh: u64 = 1469598103934665603;
        for b in self
            .title
            .bytes()
            .chain(self.x_label.bytes())
            .chain(self.y_label.bytes())
        {
            hsh = (hsh ^ b as u64).wrapping_mul(1099511628211);
        }
        hsh ^ (self.width as u64) << 20 ^ self.height as u64
    }

    fn layer_svg(&self, s: &mut String, l: &Layer) {
        match l {
            Layer::Scatter {
                pts,
                colour,
                radius,
                ..
            } => {
                let _ = write!(s, r#"<g fill="{colour}" fill-opacity="0.85">"#);
                for &p in pts {
                    let (x, y) = self.to_px(p);
                    if x.is_finite() && y.is_finite() {
                        let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="{radius}"/>"#);
                    }
                }
                s.push_str("</g>");
            }
            Layer::Line {
                pts,
                colour,
                dashed,
                ..
            } => {
                let mut d = String::new();
                let mut pen_up = true;
                for &p in pts {
                    let (x, y) = self.to_px(p);
                    if !(x.is_finite() && y.is_finite()) {
                        pen_up = true;
                        continue;
                    }
                    let _ = write!(d, "{}{x:.1},{y:.1}", if pen_up { "M" } else { "L" });
                    pen_up = false;
                }
                let dash = if *dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#
                );
            }
            Layer::Rect {
                r,
                fill,
                stroke,
                opacity,
                ..
            } => {
                let (ax, ay) = self.to_px((r.0, r.1));
                let (bx, by) = self.to_px((r.2, r.3));
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" fill-opacity="{opacity}" stroke="{stroke}" stroke-width="2"/>"#,
                    ax.min(bx),
                    ay.min(by),
                    (bx - ax).abs(),
                    (by - ay).abs()
                );
            }
            Layer::Heatmap {
                values,
                cols,
                rows,
                lo,
                hi,
                map,
            } => {
                let (cw, ch) = (self.plot_w() / *cols as f64, self.plot_h() / *rows as f64);
                for r in 0..*rows {
                    // Runs of one colour along a row become one rectangle.
                    let mut c = 0;
                    while c < *cols {
                        let colour = map.colour((values[r * cols + c] - lo) / (hi - lo));
                        let mut end = c + 1;
                        while end < *cols
                            && map.colour((values[r * cols + end] - lo) / (hi - lo)) == colour
                        {
                            end += 1;
                        }
                        let _ = write!(
                            s,
                            r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{colour}"/>"#,
                            MARGIN_LEFT + c as f64 * cw,
                            self.top() + r as f64 * ch,
                            (end - c) as f64 * cw + 0.3,
                            ch + 0.3,
                        );
                        c = end;
                    }
                }
            }
            Layer::Ellipse {
                c,
                rx,
                ry,
                angle,
                colour,
            } => {
                // Sample the ellipse in data space so that unequal axis scales stay correct.
                let mut d = String::new();
                for i in 0..=48 {
                    let t = i as f64 / 48.0 * std::f64::consts::TAU;
                    let (ex, ey) = (rx * t.cos(), ry * t.sin());
                    let p = (
                        c.0 + ex * angle.cos() - ey * angle.sin(),
                        c.1 + ex * angle.sin() + ey * angle.cos(),
                    );
                    let (x, y) = self.to_px(p);
                    let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                let _ = write!(
                    s,
                    r#"<path d="{d}Z" fill="{colour}" fill-opacity="0.12" stroke="{colour}" stroke-width="1.5"/>"#
                );
            }
            Layer::Text { at, text } => {
                let (x, y) = self.to_px(*at);
                let _ = write!(
                    s,
                    r#"<text x="{x:.1}" y="{y:.1}" font-weight="bold" font-size="13" fill="currentColor" stroke="var(--bg, #fff)" stroke-width="3" paint-order="stroke" text-anchor="middle" dominant-baseline="middle">{}</text>"#,
                    esc(text)
                );
            }
            Layer::Bars { series } => {
                let longest = series.iter().map(|(_, _, v)| v.len()).max().unwrap_or(0);
                let n = self.categories.len().max(longest).max(1);
                let band = self.plot_w() / n as f64;
                let k = series.len().max(1) as f64;
                let bw = band * 0.8 / k;
                for (si, (_, colour, vals)) in series.iter().enumerate() {
                    for (c, &v) in vals.iter().enumerate() {
                        let x = MARGIN_LEFT + c as f64 * band + band * 0.1 + si as f64 * bw;
                        let (_, y) = self.to_px((0.0, v));
                        let (_, y_base) = self.to_px((0.0, self.y.inverse(0.0).max(0.0)));
                        let _ = write!(
                            s,
                            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/>"#,
                            y.min(y_base),
                            bw.max(1.0) - 0.5,
                            (y_base - y).abs()
                        );
                    }
                }
            }
        }
    }

    fn axes_svg(&self, s: &mut String) {
        let (x0, y0) = (MARGIN_LEFT, self.top());
        let (pw, ph) = (self.plot_w(), self.plot_h());
        let _ = write!(
            s,
            r#"<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="currentColor" stroke-opacity="0.5"/>"#
        );
        if self.categories.is_empty() {
            for t in self.x.ticks() {
                let (x, _) = self.to_px((t, 0.0));
                if x < x0 - 0.5 || x > x0 + pw + 0.5 {
                    continue;
                }
                let _ = write!(
                    s,
                    r#"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" stroke="currentColor"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
                    y0 + ph,
                    y0 + ph + 4.0,
                    y0 + ph + 15.0,
                    fmt_num(t)
                );
            }
        } else {
            let band = pw / self.categories.len() as f64;
            let small = self.categories.len() > 8;
            let size = if small { 8.0 } else { 10.0 };
            for (i, c) in self.categories.iter().enumerate() {
                let x = x0 + (i as f64 + 0.5) * band;
                // A name wider than its band goes on two lines, split at a space.
                let lines = match wrap_in_two(c) {
                    Some((a, b)) if text_width(c, size) > band - 2.0 => format!(
                        r#"<tspan x="{x:.1}">{}</tspan><tspan x="{x:.1}" dy="{}">{}</tspan>"#,
                        esc(a),
                        size + 1.0,
                        esc(b)
                    ),
                    _ => esc(c),
                };
                let _ = write!(
                    s,
                    r#"<text x="{x:.1}" y="{}" text-anchor="middle" fill="currentColor" font-size="{size}">{lines}</text>"#,
                    y0 + ph + 14.0,
                );
            }
        }
        for t in self.y.ticks() {
            let (_, y) = self.to_px((0.0, t));
            if y < y0 - 0.5 || y > y0 + ph + 0.5 {
                continue;
            }
            let _ = write!(
                s,
                r#"<line x1="{}" x2="{x0}" y1="{y:.1}" y2="{y:.1}" stroke="currentColor"/><text x="{}" y="{y:.1}" text-anchor="end" dominant-baseline="middle" fill="currentColor">{}</text>"#,
                x0 - 4.0,
                x0 - 6.0,
                fmt_num(t)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
            x0 + pw / 2.0,
            self.height - 6.0,
            esc(&self.x_label)
        );
        let _ = write!(
            s,
            r#"<text transform="translate(12 {}) rotate(-90)" text-anchor="middle" fill="currentColor">{}</text>"#,
            y0 + ph / 2.0,
            esc(&self.y_label)
        );
        let _ = write!(
            s,
            r#"<text x="{x0}" y="16" font-weight="600" font-size="12" fill="currentColor">{}</text>"#,
            esc(&self.title)
        );
    }

    fn legend_items(&self) -> Vec<(&str, &str, bool)> {
        let mut items: Vec<(&str, &str, bool)> = Vec::new();
        for l in &self.layers {
            match l {
                Layer::Scatter {
                    label: Some(t),
                    colour,
                    ..
                }
                | Layer::Rect {
                    label: Some(t),
                    stroke: colour,
                    ..
                } => items.push((t, colour, false)),
                Layer::Line {
                    label: Some(t),
                    colour,
                    dashed,
                    ..
                } => items.push((t, colour, *dashed)),
                Layer::Bars { series } => {
                    for (t, colour, _) in series {
                        items.push((t, colour, false));
                    }
                }
                _ => {}
            }
        }
        items
    }

    /// Rows under the title, left to right.
    fn legend_svg(&self, s: &mut String) {
        for ((t, colour, dashed), (x, row)) in
            self.legend_items().into_iter().zip(self.legend_layout())
        {
            let y = 30.0 + 18.0 * row;
            let dash = if dashed {
                r#" stroke-dasharray="4 3""#
            } else {
                ""
            };
            let _ = write!(
                s,
                r#"<g class="legend"><line x1="{x:.1}" x2="{:.1}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="4"{dash}/><text x="{:.1}" y="{}" fill="currentColor">{}</text></g>"#,
                x + 14.0,
                x + 18.0,
                y + 4.0,
                esc(t)
            );
        }
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
