// reduce.wgsl: one output per position of a strided view with `axis` collapsed to 1;
// each invocation walks the axis. Ops (info code): 0 sum, 1 mean, 2 max, 3 min,
// 4 argmax (first maximum, as f32), 5 log-sum-exp (max first, then Σ exp(x − max)).
// Bindings: 0 x (read), 1 out (write, contiguous), 2 info (read, u32).
// info: [n_out, rank, out_shape[rank], strides[rank], offset, axis, axis_len, code]
// Launch: ceil(n_out / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let rank = info[1];
    let base = strided(i, rank, 2u + rank);
    let axis = info[3u + 2u * rank];
    let len = info[4u + 2u * rank];
    let code = info[5u + 2u * rank];
    let step = info[2u + rank + axis];
    var acc: f32;
    if (code == 0u || code == 1u) {
        acc = 0.0;
        for (var j = 0u; j < len; j = j + 1u) { acc = acc + xs[base + j * step]; }
        if (code == 1u) { acc = acc / f32(len); }
    } else if (code == 2u || code == 5u) {
        acc = xs[base];
        for (var j = 1u; j < len; j = j + 1u) { acc = max(acc, xs[base + j * step]); }
        if (code == 5u) {
            var s = 0.0;
            for (var j = 0u; j < len; j = j + 1u) { s = s + exp(xs[base + j * step] - acc); }
            acc = acc + log(s);
        }
    } else if (code == 3u) {
        acc = xs[base];
        for (var j = 1u; j < len; j = j + 1u) { acc = min(acc, xs[base + j * step]); }
    } else {
        var best = xs[base];
        var arg = 0u;
        for (var j = 1u; j < len; j = j + 1u) {
            let v = xs[base + j * step];
            if (v > best) { best = v; arg = j; }
        }
        acc = f32(arg);
    }
    out[i] = acc;
}

// The wide form, for few outputs over a long axis: one workgroup per output, its 256
// invocations striding the axis, then a tree in workgroup memory. Ops 0 to 3 only.
// Launch: n_out workgroups, folded into a 2-D grid past 65535.
var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn wide(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = wg.x + wg.y * nwg.x;
    if (i >= info[0]) { return; }
    let rank = info[1];
    let base = strided(i, rank, 2u + rank);
    let axis = info[3u + 2u * rank];
    let len = info[4u + 2u * rank];
    let code = info[5u + 2u * rank];
    let step = info[2u + rank + axis];
    var acc: f32;
    if (code <= 1u) { acc = 0.0; } else { acc = xs[base]; }
    for (var j = lid; j < len; j = j + 256u) {
        let v = xs[base + j * step];
        if (code <= 1u) { acc = acc + v; } else if (code == 2u) { acc = max(acc, v); } else { acc = min(acc, v); }
    }
    part[lid] = acc;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w = w / 2u) {
        if (lid < w) {
            let o = part[lid + w];
            if (code <= 1u) { part[lid] = part[lid] + o; } else if (code == 2u) { part[lid] = max(part[lid], o); } else { part[lid] = min(part[lid], o); }
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        var r = part[0];
        if (code == 1u) { r = r / f32(len); }
        out[i] = r;
    }
}
