//! The CPU backend: the reference every GPU kernel is tested against. Strided views are
//! read through their layouts; matrix products go through ndarray (matrixmultiply, with
//! its SIMD kernels, also on wasm with simd128).

use super::op::{BinaryOp, ReduceOp, UnaryOp};
use super::shape::{numel, Layout};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

/// Natively on glibc, makes freed memory stay in the heap instead of going back to the OS.
/// The CPU path allocates a fresh buffer per op (tens of MB for a U-Net batch); by default
/// glibc maps and unmaps each large one, and the page faults took half the time of a
/// native sampling run. Runs once, at the first tensor; nothing to do elsewhere (wasm has
/// its own allocator).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes allocator tuning; it is called before this crate
        // allocates tensors and is safe to call at any time.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_MAX, 0);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        });
    }
}

/// Visits the rows of `K` views of one shape together, in row-major order: `f(starts,
/// len, steps)` for each run along the last axis (the others advance as an odometer, with
/// no division per element). Callers loop over a row themselves, so the common cases
/// (contiguous rows, a broadcast scalar) compile to straight slice loops.
#[inline(always)]
fn walk_rows<const K: usize>(ls: [&Layout; K], mut f: impl FnMut([usize; K], usize, [usize; K])) {
    let shape = &ls[0].shape;
    let nd = shape.len();
    let mut base: [usize; K] = std::array::from_fn(|k| ls[k].offset);
    if nd == 0 {
        f(base, 1, [0; K]);
        return;
    }
    if shape.contains(&0) {
        return;
    }
    let inner = shape[nd - 1];
    let step: [usize; K] = std::array::from_fn(|k| ls[k].strides[nd - 1]);
    let outer: usize = shape[..nd - 1].iter().product();
    let mut idx = vec![0usize; nd - 1];
    for _ in 0..outer {
        f(base, inner, step);
        for d in (0..nd - 1).rev() {
            idx[d] += 1;
            for k in 0..K {
                base[k] += ls[k].strides[d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for k in 0..K {
                base[k] -= ls[k].strides[d] * shape[d];
            }
            idx[d] = 0;
        }
    }
}

/// [`walk_rows`] one element at a time: `f` gets the storage offsets of each element.
#[inline(always)]
fn walk<const K: usize>(ls: [&Layout; K], mut f: impl FnMut([usize; K])) {
    walk_rows(ls, |mut o, len, step| {
        for _ in 0..len {
            f(o);
            for k in 0..K {
                o[k] += step[k];
            }
        }
    });
}

fn gather(data: &[f32], l: &Layout) -> Vec<f32> {
    if l.is_contiguous() {
        return data[..l.numel()].to_vec();
    }
    let mut out = Vec::with_capacity(l.numel());
    walk_rows([l], |[i], len, [s]| match s {
        1 => out.extend_from_slice(&data[i..i + len]),
        _ => out.extend((0..len).map(|t| data[i + t * s])),
    });
    out
}

/// The elements of a view in row-major order.
pub fn contiguous(data: &[f32], l: &Layout) -> Vec<f32> {
    gather(data, l)
}

pub fn unary(op: UnaryOp, p: f32, data: &[f32], l: &Layout) -> Vec<f32> {
    fn go(data: &[f32], l: &Layout, f: impl Fn(f32) -> f32) -> Vec<f32> {
        if l.is_contiguous() {
            return data[..l.numel()].iter().map(|&x| f(x)).collect();
        }
        let mut v = gather(data, l);
        v.iter_mut().for_each(|x| *x = f(*x));
        v
    }
    // One monomorphised loop per op the models run most (the constant op lets the
    // formula's match fold away); the rest match per element. Formulas live in `op` only.
    use UnaryOp as U;
    match op {
        U::Silu => go(data, l, |x| U::Silu.cpu(x, p)),
        U::AddScalar => go(data, l, |x| U::AddScalar.cpu(x, p)),
        U::MulScalar => go(data, l, |x| U::MulScalar.cpu(x, p)),
        U::Sqrt => go(data, l, |x| U::Sqrt.cpu(x, p)),
        U::Exp => go(data, l, |x| U::Exp.cpu(x, p)),
        U::Neg => go(data, l, |x| U::Neg.cpu(x, p)),
        _ => go(data, l, |x| op.cpu(x, p)),
    }
}

/// `a` and `b` are already broadcast to the output shape.
pub fn binary(op: BinaryOp, a: &[f32], la: &Layout, b: &[f32], lb: &Layout) -> Vec<f32> {
    #[inline(always)]
    fn go(a: &[f32], la: &Layout, b: &[f32], lb: &Layout, f: impl Fn(f32, f32) -> f32) -> Vec<f32> {
        let n = la.numel();
        if la.is_contiguous() && lb.is_contiguous() {
            return a[..n].iter().zip(&b[..n]).map(|(&x, &y)| f(x, y)).collect();
        }
        let mut out = Vec::with_capacity(n);
        walk_rows([la, lb], |[i, j], len, steps| match steps {
            [1, 1] => out.extend(
                a[i..i + len]
                    .iter()
                    .zip(&b[j..j + len])
                    .map(|(&x, &y)| f(x, y)),
            ),
            [1, 0] => out.extend(a[i..i + len].iter().map(|&x| f(x, b[j]))),
            [0, 1] => out.extend(b[j..j + len].iter().map(|&y| f(a[i], y))),
            [s, t] => out.extend((0..len).map(|k| f(a[i + k * s], b[j + k * t]))),
        });
        out
    }
    // One monomorphised loop per common op, as in `unary`; the rest match per element.
    use BinaryOp as B;
    match op {
        B::Add => go(a, la, b, lb, |x, y| B::Add.cpu(x, y)),
        B::Sub => go(a, la, b, lb, |x, y| B::Sub.cpu(x, y)),
        B::Mul => go(a, la, b, lb, |x, y| B::Mul.cpu(x, y)),
        B::Div => go(a, la, b, lb, |x, y| B::Div.cpu(x, y)),
        _ => go(a, la, b, lb, |x, y| op.cpu(x, y)),
    }
}

/// Reduces along `axis`, keeping it with size 1.
pub fn reduce(op: ReduceOp, data: &[f32], l: &Layout, axis: usize) -> Vec<f32> {
    let mut out_shape = l.shape.clone();
    out_shape[axis] = 1;
    let n_out = numel(&out_shape);
    let out_layout = Layout {
        shape: out_shape,
        strides: l.strides.clone(),
        offset: l.offset,
    };
    let mut out = Vec::with_capacity(n_out);
    let (len, stride) = (l.shape[axis], l.strides[axis]);
    walk([&out_layout], |[base]| {
        out.push(op.cpu((0..len).map(move |j| data[base + j * stride])))
    });
    out
}

/// Batched matrix product: `a` is [batch, m, k], `b` is [batch, k, n] (strided, batch
/// stride 0 = broadcast); the result is contiguous [batch, m, n].
pub fn matmul(a: &[f32], la: &Layout, b: &[f32], lb: &Layout) -> Vec<f32> {
    let (batch, m, k, n) = (la.shape[0], la.shape[1], la.shape[2], lb.shape[2]);
    let mut out = vec![0.0f32; batch * m * n];
    for bi in 0..batch {
        let oa = la.offset + bi * la.strides[0];
        let ob = lb.offset + bi * lb.strides[0];
        if cfg!(target_arch = "wasm32") {
            // In the browser, the packed SIMD128 kernel (faster there than ndarray's).
            let c = &mut out[bi * m * n..(bi + 1) * m * n];
            super::simd::matmul(
                &a[oa..],
                la.strides[1],
                la.strides[2],
                &b[ob..],
                lb.strides[1],
                lb.strides[2],
                c,
                m,
                k,
                n,
            );
            continue;
        }
        let va = ArrayView2::from_shape((m, k).strides((la.strides[1], la.strides[2])), &a[oa..]);
        let vb = ArrayView2::from_shape((k, n).strides((lb.strides[1], lb.strides[2])), &b[ob..]);
        match (va, vb) {
            (Ok(va), Ok(vb)) => {
                let c = &mut out[bi * m * n..(bi + 1) * m * n];
                let mut vc = ArrayViewMut2::from_shape((m, n), c).expect("m·n elements");
                general_mat_mul(1.0, &va, &vb, 0.0, &mut vc);
            }
            _ => {
                // Layouts ndarray will not view (overlapping strides): plain loops.
                for i in 0..m {
                    for j in 0..n {
                        let mut s = 0.0;
                        for t in 0..k {
                            s += a[oa + i * la.strides[1] + t * la.strides[2]]
                                * b[ob + t * lb.strides[1] + j * lb.strides[2]];
                        }
                        out[bi * m * n + i * n + j] = s;
                    }
                }
            }
        }
    }
    out
}

/// `cond`, `a`, `b` already broadcast to the output shape.
pub fn where_(c: &[f32], lc: &Layout, a: &[f32], la: &Layout, b: &[f32], lb: &Layout) -> Vec<f32> {
    let mut out = Vec::with_capacity(la.numel());
    walk([lc, la, lb], |[k, i, j]| {
        out.push(if c[k] != 0.0 { a[i] } else { b[j] })
    });
    out
}

/// Writes the view `src` into `dst` at the positions of the view `ld`.
pub fn copy_into(src: &[f32], ls: &Layout, dst: &mut [f32], ld: &Layout) {
    walk([ls, ld], |[i, j]| dst[j] = src[i]);
}

/// Each row of `len` values standardised: (x − mean) / √(var + eps), var the biased
/// variance, in two passes over the row (mean, then squared deviations). Sums run in eight
/// lanes so that the compiler can vectorise them and long rows lose little precision.
pub fn standardise(data: &[f32], len: usize, eps: f32) -> Vec<f32> {
    fn lanes(row: &[f32], f: impl Fn(f32) -> f32) -> f32 {
        let mut acc = [0.0f32; 8];
        let chunks = row.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for (a, &v) in acc.iter_mut().zip(c) {
                *a += f(v);
            }
        }
        acc.iter().sum::<f32>() + rest.iter().map(|&v| f(v)).sum::<f32>()
    }
    let mut out = vec![0.0f32; data.len()];
    if len == 0 {
        return out;
    }
    for (row, o) in data.chunks_exact(len).zip(out.chunks_exact_mut(len)) {
        let mean = lanes(row, |v| v) / len as f32;
        let var = lanes(row, |v| (v - mean) * (v - mean)) / len as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for (y, &v) in o.iter_mut().zip(row) {
            *y = (v - mean) * inv;
        }
    }
    out
}

/// Rows of a contiguous [rows, cols] table picked by index.
pub fn gather_rows(table: &[f32], cols: usize, idx: &[f32]) -> Vec<f32> {
    idx.iter()
        .flat_map(|&r| {
            table[r as usize * cols..(r as usize + 1) * cols]
                .iter()
                .copied()
        })
        .collect()
}

/// The PCG hash of `random.wgsl`.
pub fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277803737);
    (word >> 22) ^ word
}

/// Counter-based random numbers, the same stream as `random.wgsl`.
pub fn random(n: usize, seed: u64, normal: bool) -> Vec<f32> {
    let (lo, hi) = (seed as u32, (seed >> 32) as u32);
    let unit = |h: u32| ((h >> 8) as f32 + 0.5) / 16777216.0;
    (0..n as u32)
        .map(|i| {
            let h1 = pcg(lo ^ pcg((2 * i).wrapping_add(hi)));
            if !normal {
                (h1 >> 8) as f32 / 16777216.0
            } else {
                let h2 = pcg(lo ^ pcg((2 * i + 1).wrapping_add(hi)));
                (-2.0 * unit(h1).ln()).sqrt() * (std::f32::consts::TAU * unit(h2)).cos()
            }
        })
        .collect()
}

/// Geometry of a 2-D convolution window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conv {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride: usize,
    pub pad: usize,
}

impl Conv {
    pub fn out_h(&self) -> usize {
        (self.h + 2 * self.pad - self.kh) / self.stride + 1
    }
    pub fn out_w(&self) -> usize {
        (self.w + 2 * self.pad - self.kw) / self.stride + 1
    }
    pub fn rows(&self) -> usize {
        self.c * self.kh * self.kw
    }
}

/// Calls `f(column index, image index, len)` for every run of window positions that lie
/// inside the image: `len` consecutive columns read image pixels `stride` apart. The one
/// loop nest both [`unfold`] and [`fold`] walk; bounds are worked out per row, not per
/// pixel.
fn each_window_run(g: &Conv, mut f: impl FnMut(usize, usize, usize)) {
    let (oh, ow) = (g.out_h(), g.out_w());
    // Output columns ox whose input column ox·stride + k − pad lies in [0, w).
    let span = |k: usize, len_in: usize, len_out: usize| {
        let lo = if g.pad > k {
            (g.pad - k).div_ceil(g.stride)
        } else {
            0
        };
        let hi = if len_in + g.pad > k {
            ((len_in + g.pad - k - 1) / g.stride + 1).min(len_out)
        } else {
            0
        };
        (lo, hi.max(lo))
    };
    for n in 0..g.n {
        for c in 0..g.c {
            let plane = (n * g.c + c) * g.h;
            for ky in 0..g.kh {
                let (oy_lo, oy_hi) = span(ky, g.h, oh);
                for kx in 0..g.kw {
                    let (ox_lo, ox_hi) = span(kx, g.w, ow);
                    if ox_lo == ox_hi {
                        continue;
                    }
                    let r = (c * g.kh + ky) * g.kw + kx;
                    for oy in oy_lo..oy_hi {
                        let iy = oy * g.stride + ky - g.pad;
                        f(
                            ((n * g.rows() + r) * oh + oy) * ow + ox_lo,
                            (plane + iy) * g.w + ox_lo * g.stride + kx - g.pad,
                            ox_hi - ox_lo,
                        );
                    }
                }
            }
        }
    }
}

/// im2col: contiguous x [N, C, H, W] → [N, C·KH·KW, OH·OW].
pub fn unfold(x: &[f32], g: &Conv) -> Vec<f32> {
    let total = g.n * g.rows() * g.out_h() * g.out_w();
    // Written front to back: the runs arrive in column order, and the padding between
    // them is filled as it is passed (no zeroing pass over the whole output first).
    let mut out = Vec::with_capacity(total);
    let s = g.stride;
    each_window_run(g, |col, img, len| {
        debug_assert!(col >= out.len(), "runs arrive in column order");
        out.resize(col, 0.0);
        if s == 1 {
            out.extend_from_slice(&x[img..img + len]);
        } else {
            out.extend((0..len).map(|i| x[img + i * s]));
        }
    });
    out.resize(total, 0.0);
    out
}

/// col2im, the adjoint of [`unfold`]: [N, C·KH·KW, OH·OW] → [N, C, H, W], summing overlaps.
pub fn fold(cols: &[f32], g: &Conv) -> Vec<f32> {
    let mut out = vec![0.0; g.n * g.c * g.h * g.w];
    let s = g.stride;
    each_window_run(g, |col, img, len| {
        let src = &cols[col..col + len];
        if s == 1 {
            out[img..img + len]
                .iter_mut()
                .zip(src)
                .for_each(|(o, v)| *o += v);
        } else {
            src.iter()
                .enumerate()
                .for_each(|(i, v)| out[img + i * s] += v);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// im2col by its definition, one pixel at a time.
    fn unfold_by_pixel(x: &[f32], g: &Conv) -> Vec<f32> {
        let (oh, ow) = (g.out_h(), g.out_w());
        let mut out = vec![0.0; g.n * g.rows() * oh * ow];
        for n in 0..g.n {
            for r in 0..g.rows() {
                let (c, ky, kx) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
                for oy in 0..oh {
                    for ox in 0..ow {
                        let iy = (oy * g.stride + ky) as isize - g.pad as isize;
                        let ix = (ox * g.stride + kx) as isize - g.pad as isize;
                        if (0..g.h as isize).contains(&iy) && (0..g.w as isize).contains(&ix) {
                            out[((n * g.rows() + r) * oh + oy) * ow + ox] =
                                x[((n * g.c + c) * g.h + iy as usize) * g.w + ix as usize];
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn unfold_and_fold_follow_the_definition() {
        // Pads wider than the kernel, strides that skip the last column, 1-pixel images.
        for (h, w, k, stride, pad) in [
            (5, 7, 3, 1, 1),
            (6, 5, 3, 2, 1),
            (4, 4, 4, 2, 1),
            (3, 5, 2, 3, 3),
            (1, 1, 3, 1, 1),
            (7, 6, 1, 2, 0),
        ] {
            let g = Conv {
                n: 2,
                c: 3,
                h,
                w,
                kh: k,
                kw: k,
                stride,
                pad,
            };
            let x: Vec<f32> = (0..g.n * g.c * h * w).map(|i| i as f32 + 1.0).collect();
            let want = unfold_by_pixel(&x, &g);
            assert_eq!(unfold(&x, &g), want, "unfold {g:?}");
            // fold is the adjoint: <unfold(x), y> = <x, fold(y)>, exactly on small integers.
            let y: Vec<f32> = (0..want.len()).map(|i| (i % 7) as f32 - 3.0).collect();
            let lhs: f32 = want.iter().zip(&y).map(|(a, b)| a * b).sum();
            let rhs: f32 = x.iter().zip(&fold(&y, &g)).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs, "fold {g:?}");
        }
    }
}
