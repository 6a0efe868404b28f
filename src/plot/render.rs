//! A figure drawn as SVG markup: its layers, axes and legend, clipped to the plot area,
//! with the title and description screen readers read.

use super::{esc, fmt_num, text_width, wrap_in_two, Figure, Layer, MARGIN_LEFT};
use std::fmt::Write;

impl Figure {
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

    pub(super) fn legend_items(&self) -> Vec<(&str, &str, bool)> {
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
