//! Drawing an Avatar World person: one list of primitive shapes in a 32×32 box, rendered
//! either as SVG (for the page) or by a deterministic rasteriser to 32×32 pixels (for the
//! models). Both read the same shapes, so what the reader sees is what the models learn.

use super::avatar::{Avatar, ACC, CLOTH_COLOUR, CLOTH_TYPE, HAIR_COLOUR, HAIR_TYPE};

/// Side of the square image, in pixels.
pub const SIZE: usize = 32;

pub type Rgb = [u8; 3];

pub const BACKGROUND: Rgb = [0xef, 0xe6, 0xd8];
const SKIN: Rgb = [0xf0, 0xc2, 0x96];
const DARK: Rgb = [0x2a, 0x22, 0x20];
const LENS: Rgb = [0x1c, 0x1c, 0x2c];
const MOUTH: Rgb = [0xb5, 0x53, 0x5a];
const UNDERSHIRT: Rgb = [0xd9, 0xd2, 0xc4];

/// Clothing colours, in the order of the feature's values.
pub const CLOTH_RGB: [Rgb; 8] = [
    [0x26, 0x26, 0x2b],
    [0x2f, 0x6f, 0xd6],
    [0x8c, 0x91, 0x9a],
    [0xa6, 0xe3, 0xb4],
    [0xff, 0xc3, 0x8a],
    [0xf5, 0x8c, 0xc0],
    [0xd6, 0x3a, 0x3a],
    [0xfb, 0xfb, 0xfb],
];
/// Hair colours, in the order of the feature's values.
pub const HAIR_RGB: [Rgb; 6] = [
    [0x1f, 0x1a, 0x17],
    [0xec, 0xcb, 0x5a],
    [0x7b, 0x4a, 0x28],
    [0xf5, 0xa6, 0xcf],
    [0xc2, 0x43, 0x1c],
    [0xb4, 0xba, 0xc6],
];

#[derive(Clone, Debug, PartialEq)]
pub enum Geom {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Ellipse {
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
    },
    /// A circle outline of the given centre, outer radius and stroke width.
    Ring {
        cx: f32,
        cy: f32,
        r: f32,
        width: f32,
    },
    /// A convex or concave polygon (even–odd rule).
    Poly(Vec<(f32, f32)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub geom: Geom,
    pub fill: Rgb,
}

impl Geom {
    /// Axis-aligned bounds (x0, y0, x1, y1).
    fn bbox(&self) -> (f32, f32, f32, f32) {
        match *self {
            Geom::Rect { x, y, w, h } => (x, y, x + w, y + h),
            Geom::Ellipse { cx, cy, rx, ry } => (cx - rx, cy - ry, cx + rx, cy + ry),
            Geom::Ring { cx, cy, r, .. } => (cx - r, cy - r, cx + r, cy + r),
            Geom::Poly(ref p) => p
                .iter()
                .fold((f32::MAX, f32::MAX, f32::MIN, f32::MIN), |b, &(x, y)| {
                    (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))
                }),
        }
    }

    fn contains(&self, px: f32, py: f32) -> bool {
        match *self {
            Geom::Rect { x, y, w, h } => px >= x && px < x + w && py >= y && py < y + h,
            Geom::Ellipse { cx, cy, rx, ry } => {
                let (dx, dy) = ((px - cx) / rx, (py - cy) / ry);
                dx * dx + dy * dy <= 1.0
            }
            Geom::Ring { cx, cy, r, width } => {
                let d2 = (px - cx) * (px - cx) + (py - cy) * (py - cy);
                d2 <= r * r && d2 >= (r - width) * (r - width)
            }
            Geom::Poly(ref pts) => {
                let mut inside = false;
                let n = pts.len();
                for i in 0..n {
                    let (xi, yi) = pts[i];
                    let (xj, yj) = pts[(i + n - 1) % n];
                    if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                }
                inside
            }
        }
    }

    fn svg(&self, fill: &str) -> String {
        match self {
            Geom::Rect { x, y, w, h } => {
                format!(r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>"#)
            }
            Geom::Ellipse { cx, cy, rx, ry } => {
                format!(r#"<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="{fill}"/>"#)
            }
            Geom::Ring { cx, cy, r, width } => format!(
                r#"<circle cx="{cx}" cy="{cy}" r="{}" fill="none" stroke="{fill}" stroke-width="{width}"/>"#,
                r - width / 2.0
            ),
            Geom::Poly(pts) => {
                let p: Vec<String> = pts.iter().map(|(x, y)| format!("{x},{y}")).collect();
                format!(r#"<polygon points="{}" fill="{fill}"/>"#, p.join(" "))
            }
        }
    }
}

pub fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn shade(c: Rgb, f: f32) -> Rgb {
    c.map(|v| (v as f32 * f).clamp(0.0, 255.0) as u8)
}

fn rect(x: f32, y: f32, w: f32, h: f32, fill: Rgb) -> Shape {
    Shape {
        geom: Geom::Rect { x, y, w, h },
        fill,
    }
}
fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, fill: Rgb) -> Shape {
    Shape {
        geom: Geom::Ellipse { cx, cy, rx, ry },
        fill,
    }
}
fn circle(cx: f32, cy: f32, r: f32, fill: Rgb) -> Shape {
    ellipse(cx, cy, r, r, fill)
}
fn poly(pts: &[(f32, f32)], fill: Rgb) -> Shape {
    Shape {
        geom: Geom::Poly(pts.to_vec()),
        fill,
    }
}

/// The shapes of one person, back to front.
pub fn shapes(a: &Avatar) -> Vec<Shape> {
    let cloth = CLOTH_RGB[a.get(CLOTH_COLOUR)];
    let hair = HAIR_RGB[a.get(HAIR_COLOUR)];
    let hair_type = a.get(HAIR_TYPE);
    let mut s = vec![rect(0.0, 0.0, 32.0, 32.0, BACKGROUND)];

    // Hair that falls behind the head and shoulders.
    match hair_type {
        3 => s.push(poly(
            &[(8.0, 8.0), (24.0, 8.0), (25.0, 25.0), (7.0, 25.0)],
            hair,
        )),
        2 => {
            for &y in &[9.0, 13.0, 17.0, 21.0, 24.0] {
                s.push(circle(8.3, y, 2.7, hair));
                s.push(circle(23.7, y, 2.7, hair));
            }
        }
        _ => {}
    }

    // Torso, neck.
    let torso = [
        (3.5, 32.0),
        (5.5, 25.5),
        (10.5, 22.5),
        (21.5, 22.5),
        (26.5, 25.5),
        (28.5, 32.0),
    ];
    s.push(rect(13.8, 17.0, 4.4, 7.0, SKIN));
    match a.get(CLOTH_TYPE) {
        0 => {
            // Hoodie: the hood lies around the neck, a pouch pocket, two drawstrings.
            s.push(ellipse(16.0, 22.3, 7.5, 2.8, shade(cloth, 0.8)));
            s.push(poly(&torso, cloth));
            s.push(ellipse(16.0, 22.0, 3.0, 1.4, SKIN));
            s.push(rect(10.5, 28.0, 11.0, 4.0, shade(cloth, 0.85)));
            s.push(rect(14.2, 23.0, 0.8, 4.5, shade(cloth, 0.6)));
            s.push(rect(17.0, 23.0, 0.8, 4.5, shade(cloth, 0.6)));
        }
        1 => {
            // Overalls: a shirt underneath, the bib and straps in the clothing colour.
            s.push(poly(&torso, UNDERSHIRT));
            s.push(rect(10.5, 26.0, 11.0, 6.0, cloth));
            s.push(rect(10.0, 22.5, 2.5, 4.0, cloth));
            s.push(rect(19.5, 22.5, 2.5, 4.0, cloth));
            s.push(circle(11.3, 26.6, 0.7, DARK));
            s.push(circle(20.7, 26.6, 0.7, DARK));
        }
        2 => {
            // Scoop neck: a round opening.
            s.push(poly(&torso, cloth));
            s.push(ellipse(16.0, 22.3, 4.2, 3.6, SKIN));
        }
        _ => {
            // V-neck: a pointed opening.
            s.push(poly(&torso, cloth));
            s.push(poly(&[(12.3, 22.4), (19.7, 22.4), (16.0, 28.0)], SKIN));
        }
    }

    // Head, ears, face.
    s.push(circle(9.4, 13.5, 1.6, SKIN));
    s.push(circle(22.6, 13.5, 1.6, SKIN));
    s.push(ellipse(16.0, 13.0, 6.5, 7.3, SKIN));

    // Hair on top of the head.
    let cap = |s: &mut Vec<Shape>| {
        s.push(ellipse(16.0, 8.3, 7.0, 3.8, hair));
        s.push(rect(9.0, 8.0, 14.0, 1.8, hair));
    };
    match hair_type {
        0 => {}
        1 => {
            cap(&mut s);
            s.push(circle(16.0, 3.2, 3.0, hair));
        }
        2 => {
            cap(&mut s);
            for &x in &[10.5, 14.0, 18.0, 21.5] {
                s.push(circle(x, 6.3, 2.2, hair));
            }
        }
        3 => {
            cap(&mut s);
            s.push(rect(9.0, 8.0, 2.0, 9.0, hair));
            s.push(rect(21.0, 8.0, 2.0, 9.0, hair));
        }
        4 => {
            cap(&mut s);
            for &x in &[10.0, 13.0, 16.0, 19.0, 22.0] {
                s.push(circle(x, 10.2, 1.5, hair));
            }
        }
        5 => cap(&mut s),
        _ => {
            for i in 0..11 {
                let t = std::f32::consts::PI * (1.05 + 0.09 * i as f32);
                s.push(circle(
                    16.0 + 8.2 * t.cos(),
                    10.0 + 6.0 * t.sin(),
                    2.5,
                    hair,
                ));
            }
            s.push(ellipse(16.0, 7.5, 7.0, 3.6, hair));
        }
    }

    // Eyebrows carry the hair colour even when there is no hair.
    s.push(rect(11.3, 10.2, 3.4, 1.0, hair));
    s.push(rect(17.3, 10.2, 3.4, 1.0, hair));
    s.push(circle(13.0, 13.0, 0.95, DARK));
    s.push(circle(19.0, 13.0, 0.95, DARK));
    s.push(rect(14.4, 17.0, 3.2, 0.9, MOUTH));

    match a.get(ACC) {
        1 => {
            for &cx in &[13.0, 19.0] {
                s.push(Shape {
                    geom: Geom::Ring {
                        cx,
                        cy: 13.0,
                        r: 2.5,
                        width: 0.75,
                    },
                    fill: DARK,
                });
            }
            s.push(rect(15.3, 12.6, 1.4, 0.6, DARK));
        }
        2 => {
            s.push(rect(10.2, 11.6, 5.2, 3.2, LENS));
            s.push(rect(16.6, 11.6, 5.2, 3.2, LENS));
            s.push(rect(15.2, 12.0, 1.6, 0.7, LENS));
        }
        _ => {}
    }
    s
}

/// A standalone SVG of one person, with an accessible title.
pub fn svg(a: &Avatar, px: u32) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="{px}" height="{px}" role="img" shape-rendering="crispEdges"><title>{}</title>"#,
        a.describe()
    );
    for sh in shapes(a) {
        out.push_str(&sh.geom.svg(&hex(sh.fill)));
    }
    out.push_str("</svg>");
    out
}

/// Samples per pixel side when rasterising (4×4 = 16 samples, box-filtered).
const SUPERSAMPLE: usize = 4;

/// Renders one person to 32×32 RGB, row-major, 3 bytes a pixel. Deterministic: only
/// f32 comparisons and integer averaging.
pub fn rasterise(a: &Avatar) -> Vec<u8> {
    let shapes = shapes(a);
    let boxes: Vec<_> = shapes.iter().map(|s| s.geom.bbox()).collect();
    let mut out = vec![0u8; SIZE * SIZE * 3];
    let n = (SUPERSAMPLE * SUPERSAMPLE) as u32;
    for py in 0..SIZE {
        for px in 0..SIZE {
            let mut acc = [0u32; 3];
            for sy in 0..SUPERSAMPLE {
                for sx in 0..SUPERSAMPLE {
                    let x = px as f32 + (sx as f32 + 0.5) / SUPERSAMPLE as f32;
                    let y = py as f32 + (sy as f32 + 0.5) / SUPERSAMPLE as f32;
                    let c = (0..shapes.len())
                        .rev()
                        .find(|&i| {
                            let b = boxes[i];
                            x >= b.0
                                && x <= b.2
                                && y >= b.1
                                && y <= b.3
                                && shapes[i].geom.contains(x, y)
                        })
                        .map_or(BACKGROUND, |i| shapes[i].fill);
                    for k in 0..3 {
                        acc[k] += c[k] as u32;
                    }
                }
            }
            let o = (py * SIZE + px) * 3;
            for k in 0..3 {
                out[o + k] = ((acc[k] + n / 2) / n) as u8;
            }
        }
    }
    out
}

/// Colours in [`palette`].
pub const N_PALETTE: usize = 44;

/// Every colour a person is drawn with: background, skin, features, the undershirt, each
/// clothing colour with its three hoodie shades, each hair colour.
pub fn palette() -> Vec<Rgb> {
    let mut p = vec![BACKGROUND, SKIN, DARK, LENS, MOUTH, UNDERSHIRT];
    for c in CLOTH_RGB {
        p.extend([c, shade(c, 0.8), shade(c, 0.85), shade(c, 0.6)]);
    }
    p.extend(HAIR_RGB);
    p
}

/// One person as 32×32 palette indices, row-major: the colour of the shape covering each
/// pixel's centre (no anti-aliasing, so every pixel is exactly one colour of [`palette`]).
pub fn palette_indices(a: &Avatar) -> Vec<u8> {
    let shapes = shapes(a);
    let pal = palette();
    let index = |c: Rgb| pal.iter().position(|&p| p == c).expect("a palette colour") as u8;
    let fills: Vec<u8> = shapes.iter().map(|s| index(s.fill)).collect();
    (0..SIZE * SIZE)
        .map(|i| {
            let (x, y) = ((i % SIZE) as f32 + 0.5, (i / SIZE) as f32 + 0.5);
            (0..shapes.len())
                .rev()
                .find(|&k| shapes[k].geom.contains(x, y))
                .map_or(0, |k| fills[k])
        })
        .collect()
}

/// Palette indices as 32×32 RGB bytes.
pub fn palette_rgb(indices: &[u8]) -> Vec<u8> {
    let pal = palette();
    indices.iter().flat_map(|&i| pal[i as usize]).collect()
}

/// Grey levels (ITU-R BT.601 luma) of an RGB image.
pub fn to_grey(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000) as u8)
        .collect()
}

/// An RGB image as an SVG of `SIZE`×`SIZE` rectangles (pixelated on purpose).
pub fn pixels_svg(rgb: &[u8], side: usize, px: u32, title: &str) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{px}" height="{px}" role="img" shape-rendering="crispEdges"><title>{title}</title>"#
    );
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        let (x, y) = (i % side, i / side);
        out.push_str(&format!(
            r#"<rect x="{x}" y="{y}" width="1.05" height="1.05" fill="{}"/>"#,
            hex([p[0], p[1], p[2]])
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::avatar::{PData, N_COMBINATIONS};

    #[test]
    fn rasteriser_is_deterministic() {
        let a = Avatar([1, 6, 3, 5, 5]);
        let img = rasterise(&a);
        assert_eq!(img.len(), 32 * 32 * 3);
        assert_eq!(img, rasterise(&a));
        // Corner is background, centre of the face is skin.
        assert_eq!(&img[0..3], &BACKGROUND);
        let o = (15 * 32 + 16) * 3;
        assert_eq!(&img[o..o + 3], &SKIN);
    }

    #[test]
    fn every_value_of_every_feature_changes_the_image() {
        let base = Avatar([0, 0, 0, 0, 3]);
        for f in 0..5 {
            let mut imgs = Vec::new();
            for v in 0..crate::data::avatar::CARDINALITIES[f] {
                let mut a = base;
                a.0[f] = v as u8;
                imgs.push(rasterise(&a));
            }
            for i in 0..imgs.len() {
                for j in 0..i {
                    let diff = imgs[i].iter().zip(&imgs[j]).filter(|(a, b)| a != b).count();
                    assert!(
                        diff >= 6,
                        "feature {f}: values {i} and {j} differ in only {diff} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn distinct_combinations_give_distinct_images() {
        let p = PData::default();
        let people = p.sample_n(200, 4);
        let imgs: Vec<Vec<u8>> = people.iter().map(rasterise).collect();
        for i in 0..people.len() {
            for j in 0..i {
                if people[i] != people[j] {
                    assert_ne!(imgs[i], imgs[j], "{:?} vs {:?}", people[i], people[j]);
                }
            }
        }
        const { assert!(N_COMBINATIONS > 0) };
    }

    #[test]
    fn palette_images_use_distinct_colours_and_change_with_every_feature() {
        let pal = palette();
        assert_eq!(pal.len(), N_PALETTE);
        for (i, a) in pal.iter().enumerate() {
            assert!(!pal[..i].contains(a), "colour {i} repeats");
        }
        let a = Avatar([2, 3, 0, 1, 4]);
        let img = palette_indices(&a);
        assert_eq!(img.len(), SIZE * SIZE);
        assert_eq!(img[0], 0, "the corner is background");
        // The palette image is the rasterised one where no edge blends colours.
        let rgb = rasterise(&a);
        let flat = palette_rgb(&img);
        let same = (0..SIZE * SIZE)
            .filter(|&i| rgb[3 * i..3 * i + 3] == flat[3 * i..3 * i + 3])
            .count();
        assert!(same > 700, "{same} of 1024 pixels agree");
        for f in 0..5 {
            let mut b = a;
            b.0[f] = (b.0[f] + 1) % crate::data::avatar::CARDINALITIES[f] as u8;
            assert_ne!(palette_indices(&b), img, "feature {f}");
        }
    }

    #[test]
    fn svg_names_the_person() {
        let s = svg(&Avatar([2, 7, 1, 3, 6]), 64);
        assert!(s.contains("sunglasses, white overalls, pastel pink short frizzle hair"));
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
    }
}
