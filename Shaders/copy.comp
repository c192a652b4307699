#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dst = src, word by word (any element type).
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(set = 0, binding = 1) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Params { uint words; } p;

void main() {
    uint i = flat_index();
    if (i < p.words) dst[i] = src[i];
}
