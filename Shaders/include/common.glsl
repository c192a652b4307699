// Shared by every kernel. Workgroup size comes from specialization constant 0 so the host can size it
// to the device (lavapipe runs 8-wide subgroups, NVIDIA 32, AMD 32 or 64).

// The flat element index of a 1-D launch. Launches over more than 65535 workgroups use a second
// dispatch dimension; the host sizes the grid with the same rule.
uint flat_index() {
    return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}
