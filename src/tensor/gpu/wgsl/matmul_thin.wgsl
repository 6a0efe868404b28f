// matmul_thin.wgsl: C[b] = A[b] · B[b] as in matmul.wgsl (the same strided views and
// info), for a thin C that would fill little of that kernel's 64×64 tiles: one invocation
// per element of C, reading A and B straight from storage, K in order. No workgroup memory
// and no barriers (software adapters run barriers slowly).
// Bindings: 0 A (read), 1 B (read), 2 C (write), 3 info (read, u32).
// info: [M, K, N, a_batch, a_row, a_col, a_off, b_batch, b_row, b_col, b_off, batch, kc]
// Launch: one invocation per element of C (batch · M · N), ceil(/ 256) workgroups of 256
// folded into a 2-D grid past 65535; common.wgsl is prepended.

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let M = info[0];
    let K = info[1];
    let N = info[2];
    let i = flat_id(gid, nwg);
    if (i >= info[11] * M * N) { return; }
    let b = i / (M * N);
    let r = (i / N) % M;
    let c = i % N;
    var a = info[6] + b * info[3] + r * info[4];
    var o = info[10] + b * info[7] + c * info[9];
    var acc = 0.0;
    for (var k = 0u; k < K; k = k + 1u) {
        acc = acc + A[a] * B[o];
        a = a + info[5];
        o = o + info[8];
    }
    C[i] = acc;
}
