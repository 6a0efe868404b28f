// adam.wgsl: one Adam (AdamW) update of a parameter, element by element, in the order of
// `AdamStep::element` (src/tensor/op.rs):
//   m' = β₁m + (1 − β₁)g,  v' = β₂v + (1 − β₂)g²,
//   p' = p − lr · (m'c₁) / (√(v'c₂) + ε) − lr·λ · p.
// Before the first step (first = 1) m and v are not read: the moments start at their
// fresh terms.
// Bindings: 0 p, 1 g, 2 m, 3 v (read, contiguous), 4 p', 5 m', 6 v' (write), 7 info.
// info: [n, first, lr, β₁, β₂, ε, c₁, c₂, λ] (u32; the scalars as f32 bits)
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> p_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> m_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(7) var<storage, read> info: array<u32>;

fn scalar(k: u32) -> f32 { return bitcast<f32>(info[k]); }

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let lr = scalar(2u);
    let b1 = scalar(3u);
    let b2 = scalar(4u);
    let gi = g[i];
    var m2 = gi * (1.0 - b1);
    var v2 = (gi * gi) * (1.0 - b2);
    if (info[1] == 0u) {
        m2 = m[i] * b1 + m2;
        v2 = v[i] * b2 + v2;
    }
    let step = (m2 * scalar(6u)) / (sqrt(v2 * scalar(7u)) + scalar(5u));
    var p2 = p[i] - step * lr;
    let decay = scalar(8u);
    if (decay != 0.0) { p2 = p2 - p[i] * (lr * decay); }
    p_out[i] = p2;
    m_out[i] = m2;
    v_out[i] = v2;
}
