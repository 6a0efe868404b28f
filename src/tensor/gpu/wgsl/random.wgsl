// random.wgsl: counter-based random numbers, out[i] a function of (seed, i) only, so the
// CPU reference (tensor::cpu::random) draws the very same stream. PCG hash (Jarzynski &
// Olano 2020) of the index mixed with the seed; uniform in [0, 1) from 24 bits; normal by
// Box–Muller from two hashes.
// Bindings: 0 out (write), 1 info (read, u32).  info: [n, seed_lo, seed_hi, kind (0 uniform, 1 normal)]
// Launch: ceil(n / 256) workgroups of 256, folded into a 2-D grid past 65535.

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<u32>;

fn pcg(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn unit(h: u32) -> f32 {
    return (f32(h >> 8u) + 0.5) / 16777216.0;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= info[0]) { return; }
    let h1 = pcg(info[1] ^ pcg(2u * i + info[2]));
    if (info[3] == 0u) {
        out[i] = (f32(h1 >> 8u)) / 16777216.0;
    } else {
        let h2 = pcg(info[1] ^ pcg(2u * i + 1u + info[2]));
        out[i] = sqrt(-2.0 * log(unit(h1))) * cos(6.2831853 * unit(h2));
    }
}
