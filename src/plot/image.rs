//! Images on a page: a grid of small RGB images as SVG, and an RGB image as a BMP `data:`
//! URL (with the base64 it needs).

use super::esc;
use std::fmt::Write;

/// Several RGB images (each `side`×`side`) in one SVG grid.
pub fn image_grid(
    images: &[Vec<u8>],
    side: usize,
    cols: usize,
    cell_px: f64,
    title: &str,
) -> String {
    let rows = images.len().div_ceil(cols.max(1));
    let gap = 1.0;
    let cell = side as f64 + gap;
    let (w, h) = (cols as f64 * cell, rows as f64 * cell);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="image-grid" viewBox="0 0 {w} {h}" width="{:.0}" role="img" shape-rendering="crispEdges"><title>{}</title>"#,
        w / cell * cell_px,
        esc(title)
    );
    for (i, img) in images.iter().enumerate() {
        let (ox, oy) = ((i % cols) as f64 * cell, (i / cols) as f64 * cell);
        for (p, px) in img.chunks_exact(3).enumerate() {
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="1.05" height="1.05" fill="#{:02x}{:02x}{:02x}"/>"##,
                ox + (p % side) as f64,
                oy + (p / side) as f64,
                px[0],
                px[1],
                px[2]
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// An RGB image (row-major, 3 bytes a pixel) as a `data:` URL of an uncompressed BMP, for
/// an `<img>`: far lighter for the page than one SVG rectangle per pixel.
pub fn bmp_data_url(rgb: &[u8], w: usize, h: usize) -> String {
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut b = Vec::with_capacity(size);
    b.extend_from_slice(b"BM");
    for v in [size as u32, 0, 54, 40, w as u32, h as u32] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    for v in [0u32, (row * h) as u32, 2835, 2835, 0, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for y in (0..h).rev() {
        let start = b.len();
        for x in 0..w {
            let p = &rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
            b.extend_from_slice(&[p[2], p[1], p[0]]);
        }
        b.resize(start + row, 0);
    }
    format!("data:image/bmp;base64,{}", base64(&b))
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_bmp() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        let url = bmp_data_url(&[255, 0, 0, 0, 255, 0], 2, 1);
        assert!(url.starts_with("data:image/bmp;base64,Qk0"));
        // 54 header bytes + one row of 6 bytes padded to 8.
        assert_eq!(
            url.len() - "data:image/bmp;base64,".len(),
            62usize.div_ceil(3) * 4
        );
    }
}
