// matmul.wgsl: batched C[b] = A[b] · B[b], A [batch, M, K] and B [batch, K, N] as strided
// views (so transposed operands need no copy; a batch stride of 0 broadcasts), C
// contiguous [batch, M, N]. Tiled through workgroup memory: each 16×16 workgroup computes a
// 64×64 tile of C, each invocation a 4×4 block, stepping through K 16 at a time.
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
var<workgroup> As: array<f32, 1024>; // [TILE rows][KT]
var<workgroup> Bs: array<f32, 1024>; // [KT][TILE cols]

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
    var acc: array<f32, 16>;
    for (var q = 0u; q < 16u; q = q + 1u) { acc[q] = 0.0; }
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
            As[r * KT + c] = va;
            let br = idx / TILE;
            let bc = idx % TILE;
            let gk2 = k0 + br;
            let gc = col0 + bc;
            var vb = 0.0;
            if (gk2 < k_hi && gc < N) { vb = B[b_base + gk2 * info[8] + gc * info[9]]; }
            Bs[br * TILE + bc] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < KT; kk = kk + 1u) {
            var a4: array<f32, 4>;
            var b4: array<f32, 4>;
            for (var q = 0u; q < 4u; q = q + 1u) {
                a4[q] = As[(lid.y * 4u + q) * KT + kk];
                b4[q] = Bs[kk * TILE + lid.x * 4u + q];
            }
            for (var r = 0u; r < 4u; r = r + 1u) {
                for (var c = 0u; c < 4u; c = c + 1u) {
                    acc[r * 4u + c] = acc[r * 4u + c] + a4[r] * b4[c];
                }
            }
        }
        workgroupBarrier();
    }
    let c_base = wg.z * M * N;
    for (var r = 0u; r < 4u; r = r + 1u) {
        let gr = row0 + lid.y * 4u + r;
        for (var c = 0u; c < 4u; c = c + 1u) {
            let gc = col0 + lid.x * 4u + c;
            if (gr < M && gc < N) { C[c_base + gr * N + gc] = acc[r * 4u + c]; }
        }
    }
}
