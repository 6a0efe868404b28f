// where.wgsl: out[i] = cond[i] != 0 ? a[i] : b[i], over three strided views already
// broadcast to the output shape.
// Bindings: 0 cond, 1 a, 2 b (read), 3 out (write, contiguous), 4 info (read, u32).
// info: [n, rank, shape[rank], c_strides[rank], c_off, a_strides[rank], a_off, b_strides[rank], b_off]
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> xc: array<f32>;
@group(0) @binding(1) var<storage, read> xa: array<f32>;
@group(0) @binding(2) var<storage, read> xb: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let rank = info[1];
    let c = xc[strided(i, rank, 2u + rank)];
    let a = xa[strided(i, rank, 3u + 2u * rank)];
    let b = xb[strided(i, rank, 4u + 3u * rank)];
    out[i] = select(b, a, c != 0.0);
}
