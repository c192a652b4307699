// A workgroup-wide sum: each invocation contributes one value and every invocation gets the total.
// Requires a power-of-two workgroup size of at most 1024 (the host guarantees it).
//
// Two builds (see Plugins/CompileShaders): by default a shared-memory tree that always adds the same
// pairs in the same order, whatever the subgroup size (log2(size) barriers); with VAE_SUBGROUP_SUM, for
// devices with subgroup arithmetic, subgroupAdd within each subgroup and one barrier before the
// per-subgroup sums are added in subgroup order.
#ifdef VAE_SUBGROUP_SUM
#extension GL_KHR_shader_subgroup_arithmetic : require
shared float subgroup_sums[1024];

float workgroup_sum(float value) {
    float own = subgroupAdd(value);
    if (subgroupElect()) subgroup_sums[gl_SubgroupID] = own;
    barrier();
    float total = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; ++i) total += subgroup_sums[i];
    barrier();
    return total;
}
#else
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
#endif
