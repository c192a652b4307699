#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// The sampling step z = mu + exp(logvar / 2) * eps (eps held fixed) and the KL term, backward in one pass:
// dmu = dz + beta * mu, dlogvar = dz * eps * exp(logvar / 2) / 2 + beta / 2 * (exp(logvar) - 1). mu and logvar
// are the halves of each posterior row ([rows, 2 * latent]); dmu and dlogvar go to the same places of
// dposterior, the gradient the heads' one product takes.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer DZ { float dz[]; };
layout(set = 0, binding = 1) readonly buffer Posterior { float posterior[]; };
layout(set = 0, binding = 2) readonly buffer Eps { float eps[]; };
layout(set = 0, binding = 3) writeonly buffer DPosterior { float dposterior[]; };
layout(push_constant) uniform Params { uint n; uint latent; float beta; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    uint mu = i + (i / p.latent) * p.latent, logvar = mu + p.latent;
    float g = dz[i], lv = posterior[logvar];
    dposterior[mu] = g + p.beta * posterior[mu];
    // Rounded as the two terms were when two kernels computed them, so every backend adds the same floats.
    float sampling = g * eps[i] * 0.5 * exp(0.5 * lv);
    dposterior[logvar] = sampling + 0.5 * p.beta * (exp(lv) - 1.0);
}
