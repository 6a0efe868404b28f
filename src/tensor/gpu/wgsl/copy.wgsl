// copy.wgsl: writes a strided source view into a strided destination view of the same
// shape (used for concatenation: each input lands in its slice of the output).
// Bindings: 0 src (read), 1 dst (read_write), 2 info (read, u32).
// info: [n, rank, shape[rank], src_strides[rank], src_off, dst_strides[rank], dst_off]
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= info[0]) { return; }
    let rank = info[1];
    dst[strided(i, rank, 3u + 2u * rank)] = src[strided(i, rank, 2u + rank)];
}
