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
    let i = gid.x + gid.y * nwg.x * 256u;
    let n = info[0];
    if (i >= n) { return; }
    let rank = info[1];
    let sc = 2u + rank;          // cond strides start
    let sa = sc + rank + 1u;     // a strides start
    let sb = sa + rank + 1u;     // b strides start
    var rem = i;
    var ic = info[sc + rank];
    var ia = info[sa + rank];
    var ib = info[sb + rank];
    for (var d = rank; d > 0u; d = d - 1u) {
        let k = d - 1u;
        let size = info[2u + k];
        let c = rem % size;
        rem = rem / size;
        ic = ic + c * info[sc + k];
        ia = ia + c * info[sa + k];
        ib = ib + c * info[sb + k];
    }
    out[i] = select(xb[ib], xa[ia], xc[ic] != 0.0);
}
