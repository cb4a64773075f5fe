#version 450
// Backend.adam: one fused update per element (PyTorch Adam, L2 weight decay; see AdamStep).
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Value { float value[]; };
layout(std430, binding = 1) readonly buffer Gradient { float gradient[]; };
layout(std430, binding = 2) readonly buffer M { float m[]; };
layout(std430, binding = 3) readonly buffer V { float v[]; };
layout(std430, binding = 4) writeonly buffer NewValue { float value1[]; };
layout(std430, binding = 5) writeonly buffer NewM { float m1[]; };
layout(std430, binding = 6) writeonly buffer NewV { float v1[]; };
layout(push_constant) uniform Push {
    int count;
    float learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2;
} p;

void main() {
    for (int i = int(gl_GlobalInvocationID.x); i < p.count; i += int(gl_NumWorkGroups.x * 256)) {
        float g = gradient[i] + p.weightDecay * value[i];
        float mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
        float vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
        m1[i] = mi;
        v1[i] = vi;
        value1[i] = value[i] - p.learningRate * (mi * p.correction1) / (sqrt(vi * p.correction2) + p.epsilon);
    }
}
