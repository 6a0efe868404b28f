// norm.wgsl: each row of a contiguous [rows, len] array standardised,
// (x − mean) / √(var + eps) with the biased variance: one workgroup per row, its 256
// invocations striding the row, with a tree in workgroup memory for each of the two sums
// (the mean first, then the squared deviations from it, as the CPU path does).
// Bindings: 0 x (read), 1 out (write), 2 info (read, u32): [rows, len, eps as f32 bits].
// Launch: `rows` workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

var<workgroup> part: array<f32, 256>;

// The sum of every invocation's `v`, returned to all of them.
fn total(lid: u32, v: f32) -> f32 {
    part[lid] = v;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w = w / 2u) {
        if (lid < w) { part[lid] = part[lid] + part[lid + w]; }
        workgroupBarrier();
    }
    let t = part[0];
    workgroupBarrier(); // everyone has read part[0] before it is written again
    return t;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wg.x + wg.y * nwg.x;
    if (row >= info[0]) { return; }
    let len = info[1];
    let eps = bitcast<f32>(info[2]);
    let base = row * len;
    var s = 0.0;
    for (var j = lid; j < len; j = j + 256u) { s = s + xs[base + j]; }
    let mean = total(lid, s) / f32(len);
    var q = 0.0;
    for (var j = lid; j < len; j = j + 256u) {
        let d = xs[base + j] - mean;
        q = q + d * d;
    }
    let inv = inverseSqrt(total(lid, q) / f32(len) + eps);
    for (var j = lid; j < len; j = j + 256u) { out[base + j] = (xs[base + j] - mean) * inv; }
}
