#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dst[r, :] = scale * src[indices[first + r] - base, :]. src is float32, or bytes packed four to a word (a dataset
// kept resident as uint8; scale 1/255 maps pixels to [0, 1]). src holds dataset rows base..<base + srcRows (one
// shard of a dataset too large for one binding); rows whose index another shard holds are not written.
#include "common.glsl"
layout(constant_id = 1) const bool SOURCE_IS_BYTES = false;
layout(set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(set = 0, binding = 1) readonly buffer Indices { uint indices[]; };
layout(set = 0, binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Params { uint rows; uint cols; float scale; uint first; uint base; uint srcRows; } p;

void main() {
    uint i = flat_index();
    if (i >= p.rows * p.cols) return;
    uint r = i / p.cols;
    uint j = i - r * p.cols;
    uint index = indices[p.first + r];
    if (index < p.base || index - p.base >= p.srcRows) return;
    uint e = (index - p.base) * p.cols + j;
    float value = SOURCE_IS_BYTES ? float((src[e >> 2] >> ((e & 3u) * 8u)) & 0xFFu) : uintBitsToFloat(src[e]);
    dst[i] = p.scale * value;
}
