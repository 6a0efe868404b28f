//! The CPU path's matrix product in WebAssembly: operands packed into panels, and a 4×8
//! register-blocked microkernel on SIMD128 (`f32x4_mul` + `f32x4_add`; relaxed-SIMD's fused
//! madd would be faster but not every browser has it). A's four values per step arrive by
//! broadcast loads (`v128_load32_splat`): extracting and splatting lanes of one load was
//! ~12 % slower in V8. B is packed in blocks of KC rows × NC columns (256 KiB, so a block
//! stays in L2 while every A panel passes over it), copying NR floats at a time where its
//! rows are contiguous: the U-Net's convolutions have only 16–32 output channels, and
//! packing element by element cost as much as the multiply. Native builds use ndarray,
//! whose matrixmultiply kernels use AVX/FMA.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

const MR: usize = 4;
const NR: usize = 8;
const KC: usize = 256;
const NC: usize = 256;

/// C (row-major m×n, overwritten) = A · B, with A and B given by element accessors' strides:
/// A[i][p] = a[i·ars + p·acs], B[p][j] = b[p·brs + j·bcs].
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    a: &[f32],
    ars: usize,
    acs: usize,
    b: &[f32],
    brs: usize,
    bcs: usize,
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) {
    c[..m * n].iter_mut().for_each(|x| *x = 0.0);
    let mp = m.div_ceil(MR);
    let mut bpack = vec![0.0f32; NC * KC];
    let mut apack = vec![0.0f32; MR * KC];
    let mut tile = [0.0f32; MR * NR];
    // Columns in blocks of NC, so a packed B block (KC × NC, 256 KiB) stays in L2 while
    // every A panel passes over it.
    for n0 in (0..n).step_by(NC) {
        let nc = NC.min(n - n0);
        let np = nc.div_ceil(NR);
        for k0 in (0..k).step_by(KC) {
            let kc = KC.min(k - k0);
            // Pack B[k0..k0+kc][n0..n0+nc] into panels of NR columns, zero-padded. With few
            // rows in A (a convolution's output channels) this costs as much as the
            // multiply, so rows of B that lie contiguous are copied NR at a time.
            let full = if bcs == 1 { nc / NR } else { 0 };
            for p in 0..kc {
                let row = (k0 + p) * brs + n0 * bcs;
                for jp in 0..full {
                    bpack[(jp * KC + p) * NR..][..NR].copy_from_slice(&b[row + jp * NR..][..NR]);
                }
                for jp in full..np {
                    for jj in 0..NR {
                        let j = jp * NR + jj;
                        bpack[(jp * KC + p) * NR + jj] =
                            if j < nc { b[row + j * bcs] } else { 0.0 };
                    }
                }
            }
            for ip in 0..mp {
                for p in 0..kc {
                    for ii in 0..MR {
                        let i = ip * MR + ii;
                        apack[p * MR + ii] = if i < m {
                            a[i * ars + (k0 + p) * acs]
                        } else {
                            0.0
                        };
                    }
                }
                for jp in 0..np {
                    micro(&apack, &bpack[jp * KC * NR..], kc, &mut tile);
                    let j0 = n0 + jp * NR;
                    let w = NR.min(n0 + nc - j0);
                    for (ii, t) in tile.chunks_exact(NR).enumerate().take(m - ip * MR) {
                        let row = &mut c[(ip * MR + ii) * n + j0..][..w];
                        row.iter_mut().zip(t).for_each(|(c, t)| *c += t);
                    }
                }
            }
        }
    }
}

/// tile[4×8] = Σ_p a[p][0..4] ⊗ b[p][0..8] over packed panels.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(never)]
fn micro(a: &[f32], b: &[f32], kc: usize, tile: &mut [f32; MR * NR]) {
    assert!(
        a.len() >= kc * MR && b.len() >= kc * NR,
        "packed panels too short"
    );
    let (mut c0, mut c1, mut c2, mut c3) = (
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
    );
    let (mut c4, mut c5, mut c6, mut c7) = (
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
        f32x4_splat(0.0),
    );
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    for p in 0..kc {
        // SAFETY: p < kc, and the assert above guarantees MR floats of `a` and NR floats of
        // `b` at these offsets; v128_load has no alignment requirement.
        let (b0, b1, a0, a1, a2, a3) = unsafe {
            (
                v128_load(bp.add(p * NR) as *const v128),
                v128_load(bp.add(p * NR + 4) as *const v128),
                v128_load32_splat(ap.add(p * MR) as *const u32),
                v128_load32_splat(ap.add(p * MR + 1) as *const u32),
                v128_load32_splat(ap.add(p * MR + 2) as *const u32),
                v128_load32_splat(ap.add(p * MR + 3) as *const u32),
            )
        };
        c0 = f32x4_add(c0, f32x4_mul(a0, b0));
        c1 = f32x4_add(c1, f32x4_mul(a0, b1));
        c2 = f32x4_add(c2, f32x4_mul(a1, b0));
        c3 = f32x4_add(c3, f32x4_mul(a1, b1));
        c4 = f32x4_add(c4, f32x4_mul(a2, b0));
        c5 = f32x4_add(c5, f32x4_mul(a2, b1));
        c6 = f32x4_add(c6, f32x4_mul(a3, b0));
        c7 = f32x4_add(c7, f32x4_mul(a3, b1));
    }
    let acc = [c0, c1, c2, c3, c4, c5, c6, c7];
    for r in 0..MR {
        for (h, v) in [acc[2 * r], acc[2 * r + 1]].iter().enumerate() {
            tile[r * NR + 4 * h] = f32x4_extract_lane::<0>(*v);
            tile[r * NR + 4 * h + 1] = f32x4_extract_lane::<1>(*v);
            tile[r * NR + 4 * h + 2] = f32x4_extract_lane::<2>(*v);
            tile[r * NR + 4 * h + 3] = f32x4_extract_lane::<3>(*v);
        }
    }
}

/// The same microkernel in plain Rust (other targets, and the reference for tests).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn micro(a: &[f32], b: &[f32], kc: usize, tile: &mut [f32; MR * NR]) {
    tile.iter_mut().for_each(|x| *x = 0.0);
    for p in 0..kc {
        for r in 0..MR {
            for j in 0..NR {
                tile[r * NR + j] += a[p * MR + r] * b[p * NR + j];
            }
        }
    }
}
