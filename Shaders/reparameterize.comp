#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// eps ~ N(0, I) from Philox, z = mu + exp(logvar / 2) * eps. Each invocation draws one Philox block
// (counter: block index, step from schedule[0], stream, 0) and fills four consecutive elements.
#include "common.glsl"
#include "philox.glsl"
layout(set = 0, binding = 0) readonly buffer Mu { float mu[]; };
layout(set = 0, binding = 1) readonly buffer LogVar { float logvar[]; };
layout(set = 0, binding = 2) writeonly buffer Eps { float eps[]; };
layout(set = 0, binding = 3) writeonly buffer Z { float z[]; };
layout(set = 0, binding = 4) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params { uint n; uint seed_lo; uint seed_hi; uint stream; } p;

void main() {
    uint block = flat_index();
    uint first = block * 4u;
    if (first >= p.n) return;
    vec4 normals = philox_normals(philox4x32_10(uvec4(block, schedule[0], p.stream, 0u), uvec2(p.seed_lo, p.seed_hi)));
    for (uint lane = 0u; lane < 4u && first + lane < p.n; ++lane) {
        uint i = first + lane;
        float e = normals[lane];
        eps[i] = e;
        z[i] = mu[i] + exp(0.5 * logvar[i]) * e;
    }
}
