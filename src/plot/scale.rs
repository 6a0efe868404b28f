//! Axes' scales and numbers: linear and log scales with round ticks, and the one way a
//! number is written on a page (at least three significant digits).

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    Linear {
        lo: f64,
        hi: f64,
    },
    /// Base-10 logarithmic; lo and hi must be positive.
    Log {
        lo: f64,
        hi: f64,
    },
}

impl Scale {
    /// Position in 0..=1 along the axis.
    pub fn frac(&self, v: f64) -> f64 {
        match *self {
            Scale::Linear { lo, hi } => (v - lo) / (hi - lo),
            Scale::Log { lo, hi } => {
                (v.max(1e-300).log10() - lo.log10()) / (hi.log10() - lo.log10())
            }
        }
    }

    pub fn inverse(&self, f: f64) -> f64 {
        match *self {
            Scale::Linear { lo, hi } => lo + f * (hi - lo),
            Scale::Log { lo, hi } => 10f64.powf(lo.log10() + f * (hi.log10() - lo.log10())),
        }
    }

    pub fn ticks(&self) -> Vec<f64> {
        match *self {
            Scale::Linear { lo, hi } => nice_ticks(lo, hi, 6),
            Scale::Log { lo, hi } => log_ticks(lo, hi),
        }
    }
}

/// Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= 0.7 * raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Ticks of a log axis: the powers of ten in [lo, hi]; where fewer than two fall in it,
/// 1, 2 and 5 × 10^k; where that still gives fewer than three (a range under about a
/// factor of 2.5), round linear ticks. An axis always carries numbers.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return vec![];
    }
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let inside = |mantissas: &[f64]| -> Vec<f64> {
        (a..=b)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|t| *t >= lo * (1.0 - 1e-9) && *t <= hi * (1.0 + 1e-9))
            .collect()
    };
    let decades = inside(&[1.0]);
    if decades.len() >= 2 {
        return decades;
    }
    let fine = inside(&[1.0, 2.0, 5.0]);
    if fine.len() >= 3 {
        return fine;
    }
    nice_ticks(lo, hi, 4)
        .into_iter()
        .filter(|t| *t > 0.0)
        .collect()
}

/// A share as a percentage with [`fmt_num`]'s digits: 0.0383 → "3.83 %".
pub fn fmt_pct(share: f64) -> String {
    format!("{} %", fmt_num(100.0 * share))
}

/// A short, readable number with at least three significant digits: 0.25, 0.00383,
/// 1.5e-4, 4032.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return if v > 0.0 {
            "∞".into()
        } else if v < 0.0 {
            "−∞".into()
        } else {
            "NaN".into()
        };
    }
    let a = v.abs();
    let s = if !(1e-3..1e5).contains(&a) {
        let e = a.log10().floor() as i32;
        let m = v / 10f64.powi(e);
        format!("{}e{}", trim_zeros(format!("{m:.2}")), e)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim_zeros(format!("{v:.2}"))
    } else {
        // Three significant digits below 1: 0.383, 0.0383, 0.00383.
        let decimals = (2 - a.log10().floor() as i32) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    };
    s.replace('-', "−")
}

/// A probability: as [`fmt_num`], except that one within 0.001 of 1 (but not 1) shows how
/// far it is from 1 ("1 − 2.17e−7"), where rounding would show a plain 1.
pub fn fmt_prob(p: f64) -> String {
    if p > 0.999 && p < 1.0 {
        format!("1 − {}", fmt_num(1.0 - p))
    } else {
        fmt_num(p)
    }
}

/// A decimal number's text without the zeros that end its fraction, nor its point if
/// nothing is left after it ("2.500" → "2.5", "3.000" → "3", "300" stays).
pub fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5).len(),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0].len()
        );
        let t = nice_ticks(-180.0, 180.0, 6);
        assert!(t.contains(&0.0) && t.len() >= 5);
        assert_eq!(
            Scale::Log {
                lo: 10.0,
                hi: 5000.0
            }
            .ticks(),
            vec![10.0, 100.0, 1000.0]
        );
    }

    #[test]
    fn numbers_format_briefly() {
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(4032.0), "4032");
        assert_eq!(fmt_num(-1.5), "−1.5");
        assert_eq!(fmt_num(0.00015), "1.5e−4");
        assert_eq!(fmt_num(f64::NEG_INFINITY), "−∞");
        // Three significant digits everywhere, small numbers included.
        assert_eq!(fmt_num(0.00383), "0.00383");
        assert_eq!(fmt_pct(0.0383), "3.83 %");
        assert_eq!(fmt_pct(0.984), "98.4 %");
        // A probability next to 1 says how far from 1 it is.
        assert_eq!(fmt_prob(0.9999997826), "1 − 2.17e−7");
        assert_eq!(fmt_prob(0.83), "0.83");
        assert_eq!(fmt_prob(1.0), "1");
        assert_eq!(fmt_num(-0.0383), "−0.0383");
        assert_eq!(fmt_num(0.38349), "0.383");
        assert_eq!(fmt_num(0.001), "0.001");
        assert_eq!(fmt_num(3.834), "3.83");
    }
}
