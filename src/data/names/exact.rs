//! The name source's exact probabilities: the forward pass that sums every way of cutting
//! a name (or a prefix) into syllables, every derivation up to a length, and the mass of
//! names up to a length.

use super::*;

/// The forward pass over letter positions of `b`, for each harmony and number of
/// syllables; the state after k syllables is the position reached and whether the last
/// syllable was closed. The mass of derivations spelling exactly `b`, or, with `open_end`,
/// of those whose spelling starts with `b`: there a syllable that runs past the end, or an
/// end between syllables, leaves the rest of the name free (its choices sum to 1).
pub(super) fn forward(b: &[u8], open_end: bool) -> f64 {
    let len = b.len();
    let mut total = 0.0;
    for (h, ph) in HARMONY.iter().enumerate() {
        for (s1, ps) in SYLLABLES.iter().enumerate() {
            let n = s1 + 1;
            // alpha[pos][closed]: mass of the first k syllables spelling b[..pos].
            let mut alpha = vec![[0.0f64; 2]; len + 1];
            alpha[0][0] = ph * ps;
            for k in 0..n {
                let last = k + 1 == n;
                let mut next = vec![[0.0f64; 2]; len + 1];
                for pos in 0..len {
                    for closed in 0..2 {
                        let a = alpha[pos][closed];
                        if a == 0.0 {
                            continue;
                        }
                        if open_end {
                            total += a * past_the_end(&b[pos..], k, closed == 1, h, last);
                        }
                        extend(b, pos, k, closed == 1, h, last, a, &mut next);
                    }
                }
                if open_end {
                    total += next[len][0] + next[len][1];
                    next[len] = [0.0; 2];
                }
                alpha = next;
            }
            total += alpha[len][0] + alpha[len][1];
        }
    }
    total
}

/// Every syllable that can start at `pos` after `k` syllables, added into `next`.
#[allow(clippy::too_many_arguments)]
fn extend(
    b: &[u8],
    pos: usize,
    k: usize,
    closed: bool,
    h: usize,
    last: bool,
    a: f64,
    next: &mut [[f64; 2]],
) {
    let rest = &b[pos..];
    for &(o, po) in onsets(k, closed) {
        let Some(rest) = rest.strip_prefix(o.as_bytes()) else {
            continue;
        };
        for &(v, pv) in vowels(h) {
            let Some(rest) = rest.strip_prefix(v.as_bytes()) else {
                continue;
            };
            for &(c, pc) in codas(last) {
                let Some(rest) = rest.strip_prefix(c.as_bytes()) else {
                    continue;
                };
                let end = b.len() - rest.len();
                next[end][!c.is_empty() as usize] += a * po * pv * pc;
            }
        }
    }
}

/// The probability of a syllable at syllable `k` whose spelling starts with all of
/// `rest` and goes on past it.
fn past_the_end(rest: &[u8], k: usize, closed: bool, h: usize, last: bool) -> f64 {
    let mut p = 0.0;
    for &(o, po) in onsets(k, closed) {
        for &(v, pv) in vowels(h) {
            for &(c, pc) in codas(last) {
                let s = [o, v, c].concat();
                if s.len() > rest.len() && s.as_bytes().starts_with(rest) {
                    p += po * pv * pc;
                }
            }
        }
    }
    p
}

/// Every derivation whose spelling is at most `max_len` letters (for tests and the
/// lesson's table of the most likely names).
pub fn derivations_up_to(max_len: usize) -> Vec<Derivation> {
    let mut out = Vec::new();
    for h in 0..2 {
        for n in 1..=3 {
            let mut d = Derivation {
                harmony: h,
                syllables: Vec::new(),
            };
            grow(&mut d, n, max_len, &mut out);
        }
    }
    out
}

fn grow(d: &mut Derivation, n: usize, max_len: usize, out: &mut Vec<Derivation>) {
    let k = d.syllables.len();
    if d.spelling().len() > max_len {
        return;
    }
    if k == n {
        out.push(d.clone());
        return;
    }
    let closed = d
        .syllables
        .last()
        .map(|&(_, _, c)| !codas(false)[c].0.is_empty())
        .unwrap_or(false);
    for o in 0..onsets(k, closed).len() {
        for v in 0..vowels(d.harmony).len() {
            for c in 0..codas(k + 1 == n).len() {
                d.syllables.push((o, v, c));
                grow(d, n, max_len, out);
                d.syllables.pop();
            }
        }
    }
}

/// The probability that a name has at most `max_len` letters (by a dynamic programme
/// over lengths, independent of the spelling).
pub fn mass_up_to(max_len: usize) -> f64 {
    let mut total = 0.0;
    for (h, ph) in HARMONY.iter().enumerate() {
        for (s1, ps) in SYLLABLES.iter().enumerate() {
            let n = s1 + 1;
            // by[len][closed]
            let mut by = vec![[0.0f64; 2]; max_len + 1];
            by[0][0] = ph * ps;
            for k in 0..n {
                let mut next = vec![[0.0f64; 2]; max_len + 1];
                for len in 0..=max_len {
                    for closed in 0..2 {
                        let a = by[len][closed];
                        if a == 0.0 {
                            continue;
                        }
                        for &(o, po) in onsets(k, closed == 1) {
                            for &(v, pv) in vowels(h) {
                                for &(c, pc) in codas(k + 1 == n) {
                                    let l = len + o.len() + v.len() + c.len();
                                    if l <= max_len {
                                        next[l][!c.is_empty() as usize] += a * po * pv * pc;
                                    }
                                }
                            }
                        }
                    }
                }
                by = next;
            }
            total += by.iter().map(|r| r[0] + r[1]).sum::<f64>();
        }
    }
    total
}
