#version 450
// Backend.instanceNormBackward per plane: dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat)),
// and the plane's sums of dy and dy * xhat (the host sums them over the batch for dBeta, dGamma).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Gradient { float dy[]; };
layout(std430, binding = 1) readonly buffer Source { float x[]; };
layout(std430, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, binding = 4) readonly buffer InvStd { float invStd[]; };
layout(std430, binding = 5) writeonly buffer InputGradient { float dx[]; };
layout(std430, binding = 6) writeonly buffer SumDy { float sumDy[]; };
layout(std430, binding = 7) writeonly buffer SumDyXhat { float sumDyXhat[]; };
layout(push_constant) uniform Push { int planes, channels, planeSize; } p;
#include "workgroup_sum.glsl"

void main() {
    int t = int(gl_LocalInvocationID.x);
    for (int plane = int(gl_WorkGroupID.x); plane < p.planes; plane += int(gl_NumWorkGroups.x)) {
        int base = plane * p.planeSize;
        float mu = mean[plane], inv = invStd[plane];
        float s = 0.0, sx = 0.0;
        for (int i = t; i < p.planeSize; i += 256) { s += dy[base + i]; sx += dy[base + i] * (x[base + i] - mu); }
        float totalDy = workgroupSum(s), totalDyXhat = workgroupSum(sx) * inv;
        float k = gamma[plane % p.channels] * inv;
        float meanDy = totalDy / float(p.planeSize), meanDyXhat = totalDyXhat / float(p.planeSize);
        for (int i = t; i < p.planeSize; i += 256) {
            dx[base + i] = k * (dy[base + i] - meanDy - (x[base + i] - mu) * inv * meanDyXhat);
        }
        if (t == 0) { sumDy[plane] = totalDy; sumDyXhat[plane] = totalDyXhat; }
    }
}
