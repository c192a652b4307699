// A deterministic workgroup-wide sum: each invocation contributes one value, the tree below always adds
// the same pairs in the same order, whatever the subgroup size. Requires a power-of-two workgroup size
// of at most 1024 (the host guarantees it).
shared float partial_sums[1024];

float workgroup_sum(float value) {
    uint lid = gl_LocalInvocationID.x;
    partial_sums[lid] = value;
    barrier();
    for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride >>= 1u) {
        if (lid < stride) partial_sums[lid] += partial_sums[lid + stride];
        barrier();
    }
    float total = partial_sums[0];
    barrier();
    return total;
}
