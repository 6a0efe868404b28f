// unfold.wgsl (im2col) and its adjoint fold (col2im), the two halves of convolution.
// unfold: x [N, C, H, W] → cols [N, C·KH·KW, OH·OW], zero outside the padded input.
// fold:   cols [N, C·KH·KW, OH·OW] → x [N, C, H, W], each pixel summing every window
//         position that covers it (a gather, so no atomics are needed).
// `MODE` is replaced by 0u (unfold) or 1u (fold) when the pipeline is built.
// Bindings: 0 src (read), 1 out (write, contiguous), 2 info (read, u32).
// info: [n_out, N, C, H, W, KH, KW, stride, pad, OH, OW]
// Launch: ceil(n_out / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= info[0]) { return; }
    let C = info[2]; let H = info[3]; let W = info[4];
    let KH = info[5]; let KW = info[6]; let stride = info[7]; let pad = info[8];
    let OH = info[9]; let OW = info[10];
    let L = OH * OW;
    let R = C * KH * KW;
    if (MODE == 0u) {
        let p = i % L;
        let r = (i / L) % R;
        let n = i / (L * R);
        let c = r / (KH * KW);
        let ky = (r / KW) % KH;
        let kx = r % KW;
        let iy = i32((p / OW) * stride + ky) - i32(pad);
        let ix = i32((p % OW) * stride + kx) - i32(pad);
        var v = 0.0;
        if (iy >= 0 && ix >= 0 && iy < i32(H) && ix < i32(W)) {
            v = src[((n * C + c) * H + u32(iy)) * W + u32(ix)];
        }
        out[i] = v;
    } else {
        let x = i % W;
        let y = (i / W) % H;
        let c = (i / (W * H)) % C;
        let n = i / (W * H * C);
        var acc = 0.0;
        for (var ky = 0u; ky < KH; ky = ky + 1u) {
            let ty = i32(y + pad) - i32(ky);
            if (ty < 0 || ty % i32(stride) != 0) { continue; }
            let oy = u32(ty) / stride;
            if (oy >= OH) { continue; }
            for (var kx = 0u; kx < KW; kx = kx + 1u) {
                let tx = i32(x + pad) - i32(kx);
                if (tx < 0 || tx % i32(stride) != 0) { continue; }
                let ox = u32(tx) / stride;
                if (ox >= OW) { continue; }
                let r = (c * KH + ky) * KW + kx;
                acc = acc + src[(n * R + r) * L + oy * OW + ox];
            }
        }
        out[i] = acc;
    }
}
