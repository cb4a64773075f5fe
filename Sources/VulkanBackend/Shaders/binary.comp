#version 450
// Backend.binary: a op b with NCHW broadcasting (an operand axis of extent 1 repeats).
layout(local_size_x = 256) in;
layout(constant_id = 0) const int OP = 0;             // 0 add, 1 sub, 2 mul, 3 div
layout(constant_id = 1) const bool BROADCAST = false;  // false: equal shapes, flat indices
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { int out_[4]; int aDims[4]; int bDims[4]; int count; } p;

/// Flat index into an operand of extents `dims` for the output coordinates `c`.
int operandIndex(ivec4 c, int dims[4]) {
    int index = 0;
    for (int axis = 0; axis < 4; ++axis) index = index * dims[axis] + (dims[axis] == 1 ? 0 : c[axis]);
    return index;
}

void main() {
    for (int i = int(gl_GlobalInvocationID.x); i < p.count; i += int(gl_NumWorkGroups.x * 256)) {
        float u, v;
        if (BROADCAST) {
            ivec4 c;
            int rest = i;
            for (int axis = 3; axis >= 0; --axis) { c[axis] = rest % p.out_[axis]; rest /= p.out_[axis]; }
            u = a[operandIndex(c, p.aDims)];
            v = b[operandIndex(c, p.bDims)];
        } else {
            u = a[i];
            v = b[i];
        }
        y[i] = OP == 0 ? u + v : OP == 1 ? u - v : OP == 2 ? u * v : u / v;
    }
}
