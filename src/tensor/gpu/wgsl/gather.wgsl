// gather.wgsl: rows of a contiguous [rows, cols] table picked by index (an embedding
// lookup): out[i, j] = table[idx[i], j]. Indices are f32 holding whole numbers.
// Bindings: 0 table (read), 1 idx (read), 2 out (write), 3 info (read, u32).
// info: [n_out, cols]
// Launch: ceil(n_out / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= info[0]) { return; }
    let cols = info[1];
    let row = u32(idx[i / cols]);
    out[i] = table[row * cols + i % cols];
}
