//! Colours: the categorical palette and the continuous maps of heat maps.

/// Okabe–Ito colours, safe for colour-blind readers.
pub const PALETTE: [&str; 7] = [
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#8f7f00",
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColourMap {
    /// Light to dark blue (densities).
    Blues,
    /// Blue – white – red, centred between lo and hi (correlations).
    Diverging,
    /// Sea blue for low, land green for high (the world map).
    LandSea,
}

impl ColourMap {
    pub fn colour(&self, t: f64) -> String {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let lerp = |a: [f64; 3], b: [f64; 3], s: f64| -> [f64; 3] {
            [
                a[0] + (b[0] - a[0]) * s,
                a[1] + (b[1] - a[1]) * s,
                a[2] + (b[2] - a[2]) * s,
            ]
        };
        let c = match self {
            ColourMap::Blues => lerp([247.0, 251.0, 255.0], [8.0, 48.0, 107.0], t.powf(0.7)),
            ColourMap::Diverging => {
                if t < 0.5 {
                    lerp([103.0, 169.0, 207.0], [247.0, 247.0, 247.0], t * 2.0)
                } else {
                    lerp([247.0, 247.0, 247.0], [239.0, 138.0, 98.0], t * 2.0 - 1.0)
                }
            }
            ColourMap::LandSea => lerp([170.0, 205.0, 230.0], [196.0, 220.0, 160.0], t),
        };
        format!("#{:02x}{:02x}{:02x}", c[0] as u8, c[1] as u8, c[2] as u8)
    }
}
