// common.wgsl: prepended to the kernels that use it. `flat_id` serves any kernel launched
// 1-D; `strided` serves the element-wise kernels, whose `info: array<u32>` holds
// [n, rank, shape[rank], …] with each operand's strides and offset at a known position.

// The invocation's flat index in a 1-D launch folded into a 2-D grid past 65535 groups.
fn flat_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

// Storage index of element `i` (row-major over the shape at info[2..2+rank]) of a view
// whose strides start at info[s] and whose offset is info[s + rank].
fn strided(i: u32, rank: u32, s: u32) -> u32 {
    var rem = i;
    var idx = info[s + rank];
    for (var d = rank; d > 0u; d = d - 1u) {
        let k = d - 1u;
        let size = info[2u + k];
        idx = idx + (rem % size) * info[s + k];
        rem = rem / size;
    }
    return idx;
}
