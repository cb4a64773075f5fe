#version 450
// Backend.pointwiseBackward: dx = dy * op'(x), from the forward input x and output y.
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;  // as in unary.comp
layout(std430, binding = 0) readonly buffer Gradient { float dy[]; };
layout(std430, binding = 1) readonly buffer Input { float x[]; };
layout(std430, binding = 2) readonly buffer Output { float y[]; };
layout(std430, binding = 3) writeonly buffer InputGradient { float dx[]; };
layout(push_constant) uniform Push { int count; float a; } p;

float derivative(int i) {
    float g = dy[i], u = x[i];
    switch (OP) {
    case 0: return u > 0.0 ? g : 0.0;
    case 1: return u > 0.0 ? g : p.a * g;
    case 2: return g * (1.0 - y[i] * y[i]);
    case 3: return g * y[i] * (1.0 - y[i]);
    case 4: return g / u;
    case 5: return u > 0.0 ? g : (u < 0.0 ? -g : 0.0);
    default: return g / (1.0 + exp(-u));
    }
}

void main() {
    for (int i = int(gl_GlobalInvocationID.x); i < p.count; i += int(gl_NumWorkGroups.x * 256)) dx[i] = derivative(i);
}
