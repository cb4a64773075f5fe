#version 450
// Backend.instanceNorm: one workgroup per (sample, channel) plane; negative outputs times
// `negativeSlope` (0: ReLU; 1: no rectifier). The plane is read once for its statistics (each
// invocation's count, mean and sum of squared deviations by Welford's update, merged exactly over
// the workgroup) and once to normalise it: two passes over memory where a sum, then the squares
// about the mean took three.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, binding = 3) writeonly buffer Target { float y[]; };
layout(std430, binding = 4) writeonly buffer Mean { float mean[]; };
layout(std430, binding = 5) writeonly buffer InvStd { float invStd[]; };
layout(push_constant) uniform Push { int planes, channels, planeSize; float epsilon, negativeSlope; } p;
#include "workgroup_sum.glsl"

void main() {
    int t = int(gl_LocalInvocationID.x);
    for (int plane = int(gl_WorkGroupID.x); plane < p.planes; plane += int(gl_NumWorkGroups.x)) {
        int base = plane * p.planeSize;
        float count = 0.0, m = 0.0, squares = 0.0;
        for (int i = t; i < p.planeSize; i += 256) {
            float v = x[base + i], d = v - m;
            count += 1.0;
            m += d / count;
            squares += d * (v - m);
        }
        float mu = workgroupSum(count * m) / float(p.planeSize), offset = m - mu;
        float inv = inversesqrt(workgroupSum(squares + count * offset * offset) / float(p.planeSize) + p.epsilon);
        float scale = inv * gamma[plane % p.channels], shift = beta[plane % p.channels];
        for (int i = t; i < p.planeSize; i += 256) {
            float v = (x[base + i] - mu) * scale + shift;
            y[base + i] = v > 0.0 ? v : p.negativeSlope * v;
        }
        if (t == 0) { mean[plane] = mu; invStd[plane] = inv; }
    }
}
