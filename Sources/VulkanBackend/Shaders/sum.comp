#version 450
// Backend.sum(to:) for short sums: one invocation per target element.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Target { float y[]; };
#include "sum_index.glsl"

void main() {
    for (int o = int(gl_GlobalInvocationID.x); o < p.outputs; o += int(gl_NumWorkGroups.x * 256)) {
        float total = 0.0;
        for (int r = 0; r < p.perOutput; ++r) total += x[sourceIndex(o, r)];
        y[o] = total;
    }
}
