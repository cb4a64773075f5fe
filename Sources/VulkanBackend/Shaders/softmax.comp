#version 450
// Backend.softmaxChannels / logSoftmaxChannels: one pixel per invocation, from the channel maximum.
layout(local_size_x = 256) in;
layout(constant_id = 0) const bool LOG = false;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Target { float y[]; };
layout(push_constant) uniform Push { int batch, channels, planeSize; } p;

void main() {
    for (int pixel = int(gl_GlobalInvocationID.x); pixel < p.batch * p.planeSize; pixel += int(gl_NumWorkGroups.x * 256)) {
        int base = (pixel / p.planeSize) * p.channels * p.planeSize + pixel % p.planeSize;
        float peak = x[base];
        for (int c = 1; c < p.channels; ++c) peak = max(peak, x[base + c * p.planeSize]);
        float total = 0.0;
        for (int c = 0; c < p.channels; ++c) total += exp(x[base + c * p.planeSize] - peak);
        float logTotal = log(total);
        for (int c = 0; c < p.channels; ++c) {
            float shifted = x[base + c * p.planeSize] - peak;
            y[base + c * p.planeSize] = LOG ? shifted - logTotal : exp(shifted) / total;
        }
    }
}
