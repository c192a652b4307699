#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dst[r, :] = scale * src[indices[first + r] - base, :]. src is float32, or bytes packed four to a word (a dataset
// kept resident as uint8; scale 1/255 maps pixels to [0, 1]). src holds dataset rows base..<base + srcRows (one
// shard of a dataset too large for one binding); rows whose index another shard holds are not written.
// With FIRST_FROM_STEP, first is (schedule[0] - stepBase) * rows, read when the launch runs, so a recorded
// training step gathers the next minibatch each time it is replayed; a first past the indices writes nothing.
#include "common.glsl"
layout(constant_id = 1) const bool SOURCE_IS_BYTES = false;
layout(constant_id = 2) const bool FIRST_FROM_STEP = false;
layout(set = 0, binding = 0) readonly buffer Src { uint src[]; };
layout(set = 0, binding = 1) readonly buffer Indices { uint indices[]; };
layout(set = 0, binding = 2) writeonly buffer Dst { float dst[]; };
layout(set = 0, binding = 3) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params {
    uint rows; uint cols; float scale; uint first; uint base; uint srcRows; uint stepBase; uint indexCount;
} p;

void main() {
    uint i = flat_index();
    if (i >= p.rows * p.cols) return;
    uint r = i / p.cols;
    uint j = i - r * p.cols;
    uint first = p.first;
    if (FIRST_FROM_STEP) {
        uint step = schedule[0];
        if (step < p.stepBase) return;
        uint k = step - p.stepBase;
        // (k + 1) * rows > indexCount, without overflow: the minibatch would run past the indices.
        if (k >= p.indexCount / max(p.rows, 1u) + 1u || (k + 1u) * p.rows > p.indexCount) return;
        first = k * p.rows;
    }
    uint index = indices[first + r];
    if (index < p.base || index - p.base >= p.srcRows) return;
    uint e = (index - p.base) * p.cols + j;
    float value = SOURCE_IS_BYTES ? float((src[e >> 2] >> ((e & 3u) * 8u)) & 0xFFu) : uintBitsToFloat(src[e]);
    dst[i] = p.scale * value;
}
