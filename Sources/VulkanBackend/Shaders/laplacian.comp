#version 450
// Backend.laplacian: [[0,1,0],[1,-4,1],[0,1,0]] per plane, zero padding 1.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Target { float y[]; };
layout(push_constant) uniform Push { int planes, h, w; } p;

void main() {
    for (int i = int(gl_GlobalInvocationID.x); i < p.planes * p.h * p.w; i += int(gl_NumWorkGroups.x * 256)) {
        int iy = (i / p.w) % p.h, ix = i % p.w;
        float v = -4.0 * x[i];
        if (iy > 0) v += x[i - p.w];
        if (iy < p.h - 1) v += x[i + p.w];
        if (ix > 0) v += x[i - 1];
        if (ix < p.w - 1) v += x[i + 1];
        y[i] = v;
    }
}
