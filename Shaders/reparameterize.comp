#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// eps ~ N(0, I) from Philox, z = mu + exp(logvar / 2) * eps, with mu and logvar the two halves of each row of
// the posterior ([rows, 2 * latent], as the heads' one product writes them). Element i is element offset + i
// of the whole batch (a data-parallel rank holds a slice): its noise comes from Philox block (offset + i) / 4
// (counter: block, step from schedule[0], stream, 0), lane (offset + i) % 4. Each invocation draws one block
// and fills the elements of it that lie in this slice.
#include "common.glsl"
#include "philox.glsl"
layout(set = 0, binding = 0) readonly buffer Posterior { float posterior[]; };
layout(set = 0, binding = 1) writeonly buffer Eps { float eps[]; };
layout(set = 0, binding = 2) writeonly buffer Z { float z[]; };
layout(set = 0, binding = 3) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params { uint n; uint seed_lo; uint seed_hi; uint stream; uint offset; uint latent; } p;

void main() {
    uint block = p.offset / 4u + flat_index();
    uint first = block * 4u;
    if (first >= p.offset + p.n) return;
    vec4 normals = philox_normals(philox4x32_10(uvec4(block, schedule[0], p.stream, 0u), uvec2(p.seed_lo, p.seed_hi)));
    for (uint lane = 0u; lane < 4u; ++lane) {
        uint g = first + lane;
        if (g < p.offset || g >= p.offset + p.n) continue;
        uint i = g - p.offset;
        uint row = i / p.latent;
        uint mu = i + row * p.latent;  // row * 2 * latent + (i - row * latent)
        float e = normals[lane];
        eps[i] = e;
        z[i] = posterior[mu] + exp(0.5 * posterior[mu + p.latent]) * e;
    }
}
