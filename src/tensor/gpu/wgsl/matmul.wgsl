// matmul.wgsl: batched C[b] = A[b] · B[b], A [batch, M, K] and B [batch, K, N] as strided
// views (so transposed operands need no copy; a batch stride of 0 broadcasts), C
// contiguous [batch, M, N]. Tiled through workgroup memory: each 16×16 workgroup computes a
// 64×64 tile of C, each invocation a 4×4 block, stepping through K 16 at a time. The block
// lives in four vec4 accumulators, never in an indexed array: drivers put indexed
// function-scope arrays in (slow) local memory, which made this kernel 5-10× slower on
// real GPUs.
// Split-K: with S > 1 slices, workgroup z = s · batch + b sums only K-slice s (kc values
// long) and writes C as [S, batch, M, N] partial sums, which the caller adds over S (a long
// K with a small C otherwise leaves most of the GPU idle).
// Bindings: 0 A (read), 1 B (read), 2 C (write), 3 info (read, u32).
// info: [M, K, N, a_batch, a_row, a_col, a_off, b_batch, b_row, b_col, b_off, batch, kc]
// Launch: (ceil(N / 64), ceil(M / 64), batch · S) workgroups of 16×16.

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;
var<workgroup> As: array<f32, 1024>; // [KT][TILE rows]: A's tile, transposed
var<workgroup> Bs: array<f32, 1024>; // [KT][TILE cols]

fn put(base: u32, gr: u32, gc: u32, v: vec4<f32>, M: u32, N: u32) {
    if (gr >= M) { return; }
    let o = base + gr * N + gc;
    if (gc < N) { C[o] = v.x; }
    if (gc + 1u < N) { C[o + 1u] = v.y; }
    if (gc + 2u < N) { C[o + 2u] = v.z; }
    if (gc + 3u < N) { C[o + 3u] = v.w; }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let M = info[0];
    let K = info[1];
    let N = info[2];
    let b = wg.z % info[11];
    let k_lo = (wg.z / info[11]) * info[12];
    let k_hi = min(K, k_lo + info[12]);
    let a_base = info[6] + b * info[3];
    let b_base = info[10] + b * info[7];
    let row0 = wg.y * TILE;
    let col0 = wg.x * TILE;
    let t = lid.y * 16u + lid.x; // 0..256
    let ar = lid.y * 4u; // this invocation's rows and columns within the tile
    let bc = lid.x * 4u;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k0 = k_lo; k0 < k_hi; k0 = k0 + KT) {
        // 1024 elements of each tile, 4 per invocation.
        for (var e = 0u; e < 4u; e = e + 1u) {
            let idx = t + e * 256u;
            let r = idx / KT;
            let c = idx % KT;
            let gr = row0 + r;
            let gk = k0 + c;
            var va = 0.0;
            if (gr < M && gk < k_hi) { va = A[a_base + gr * info[4] + gk * info[5]]; }
            As[c * TILE + r] = va;
            let br = idx / TILE;
            let bcol = idx % TILE;
            let gk2 = k0 + br;
            let gc = col0 + bcol;
            var vb = 0.0;
            if (gk2 < k_hi && gc < N) { vb = B[b_base + gk2 * info[8] + gc * info[9]]; }
            Bs[br * TILE + bcol] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < KT; kk = kk + 1u) {
            let ao = kk * TILE + ar;
            let bo = kk * TILE + bc;
            let a = vec4<f32>(As[ao], As[ao + 1u], As[ao + 2u], As[ao + 3u]);
            let bv = vec4<f32>(Bs[bo], Bs[bo + 1u], Bs[bo + 2u], Bs[bo + 3u]);
            acc0 = acc0 + a.x * bv;
            acc1 = acc1 + a.y * bv;
            acc2 = acc2 + a.z * bv;
            acc3 = acc3 + a.w * bv;
        }
        workgroupBarrier();
    }
    let c_base = wg.z * M * N;
    let gr = row0 + ar;
    let gc = col0 + bc;
    put(c_base, gr, gc, acc0, M, N);
    put(c_base, gr + 1u, gc, acc1, M, N);
    put(c_base, gr + 2u, gc, acc2, M, N);
    put(c_base, gr + 3u, gc, acc3, M, N);
}
