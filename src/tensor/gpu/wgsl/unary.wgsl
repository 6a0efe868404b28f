// unary.wgsl: out[i] = f(x[i]) for every element of a strided view; f is `OP`, an
// expression of `x` and the scalar parameter `p` (substituted per op, one pipeline each).
// Bindings: 0 x (read), 1 out (write, contiguous), 2 info (read, u32).
// info: [n, rank, shape[rank], strides[rank], offset, p as f32 bits]
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let rank = info[1];
    let x = xs[strided(i, rank, 2u + rank)];
    let p = bitcast<f32>(info[3u + 2u * rank]);
    out[i] = OP;
}
