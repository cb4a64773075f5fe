#version 450
// Gradients over channels from the forward output y: softmax y * (dy - sum_c dy * y);
// log-softmax dy - exp(y) * sum_c dy.
layout(local_size_x = 256) in;
layout(constant_id = 0) const bool LOG = false;
layout(std430, binding = 0) readonly buffer Gradient { float dy[]; };
layout(std430, binding = 1) readonly buffer Output { float y[]; };
layout(std430, binding = 2) writeonly buffer InputGradient { float dx[]; };
layout(push_constant) uniform Push { int batch, channels, planeSize; } p;

void main() {
    for (int pixel = int(gl_GlobalInvocationID.x); pixel < p.batch * p.planeSize; pixel += int(gl_NumWorkGroups.x * 256)) {
        int base = (pixel / p.planeSize) * p.channels * p.planeSize + pixel % p.planeSize;
        float dot = 0.0;
        for (int c = 0; c < p.channels; ++c) {
            int i = base + c * p.planeSize;
            dot += LOG ? dy[i] : dy[i] * y[i];
        }
        for (int c = 0; c < p.channels; ++c) {
            int i = base + c * p.planeSize;
            dx[i] = LOG ? dy[i] - exp(y[i]) * dot : y[i] * (dy[i] - dot);
        }
    }
}
