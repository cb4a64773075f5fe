#version 450
// Backend.sum(to:) for long sums: workgroup (j, o) sums chunk j of target element o's terms into
// partial[o * chunks + j]; the host then sums the chunks (a short sum).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Partial { float partial[]; };
#include "sum_index.glsl"
#include "workgroup_sum.glsl"

void main() {
    int o = int(gl_WorkGroupID.y), j = int(gl_WorkGroupID.x);
    int first = j * p.chunk, last = min(p.perOutput, first + p.chunk);
    float total = 0.0;
    for (int r = first + int(gl_LocalInvocationID.x); r < last; r += 256) total += x[sourceIndex(o, r)];
    total = workgroupSum(total);
    if (gl_LocalInvocationID.x == 0) partial[o * int(gl_NumWorkGroups.x) + j] = total;
}
