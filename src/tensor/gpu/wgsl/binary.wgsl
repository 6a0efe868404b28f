// binary.wgsl: out[i] = f(a[i], b[i]) over two strided views already broadcast to the
// output shape (stride 0 on broadcast axes); f is `OP`, an expression of `a` and `b`.
// Bindings: 0 a (read), 1 b (read), 2 out (write, contiguous), 3 info (read, u32).
// info: [n, rank, shape[rank], a_strides[rank], a_offset, b_strides[rank], b_offset]
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> xa: array<f32>;
@group(0) @binding(1) var<storage, read> xb: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let rank = info[1];
    let a = xa[strided(i, rank, 2u + rank)];
    let b = xb[strided(i, rank, 3u + 2u * rank)];
    out[i] = OP;
}
