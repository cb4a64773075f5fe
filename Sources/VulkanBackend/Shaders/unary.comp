#version 450
// Backend.pointwise and Backend.affine, one element per invocation (grid-stride).
layout(local_size_x = 256) in;
// Pointwise in declaration order: 0 relu, 1 leakyRelu(a), 2 tanh, 3 sigmoid, 4 log, 5 abs,
// 6 softplus; 7 affine (a * x + b).
layout(constant_id = 0) const int OP = 0;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Target { float y[]; };
layout(push_constant) uniform Push { int count; float a; float b; } p;

float apply(float v) {
    switch (OP) {
    case 0: return max(v, 0.0);
    case 1: return v > 0.0 ? v : p.a * v;
    // tanh from exp(-2|v|): no inf/inf for large |v|, as the built-in can give.
    case 2: { float e = exp(-2.0 * abs(v)); return sign(v) * (1.0 - e) / (1.0 + e); }
    case 3: return 1.0 / (1.0 + exp(-v));
    case 4: return log(v);
    case 5: return abs(v);
    case 6: return max(v, 0.0) + log(1.0 + exp(-abs(v)));
    default: return p.a * v + p.b;
    }
}

void main() {
    for (int i = int(gl_GlobalInvocationID.x); i < p.count; i += int(gl_NumWorkGroups.x * 256)) y[i] = apply(x[i]);
}
