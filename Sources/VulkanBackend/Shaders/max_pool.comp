#version 450
// Backend.maxPool2d: one output per invocation; the first maximum in row-major order wins, and
// its index within the input plane is stored (as a float) for the backward op.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Source { float x[]; };
layout(std430, binding = 1) writeonly buffer Target { float y[]; };
layout(std430, binding = 2) writeonly buffer Argmax { float argmax[]; };
layout(push_constant) uniform Push { int planes, h, w, outH, outW, kernel, stride, pad; } p;

void main() {
    int outPlane = p.outH * p.outW;
    for (int o = int(gl_GlobalInvocationID.x); o < p.planes * outPlane; o += int(gl_NumWorkGroups.x * 256)) {
        int base = (o / outPlane) * p.h * p.w, oy = (o % outPlane) / p.outW, ox = o % p.outW;
        int y0 = max(0, oy * p.stride - p.pad), y1 = min(p.h, oy * p.stride - p.pad + p.kernel);
        int x0 = max(0, ox * p.stride - p.pad), x1 = min(p.w, ox * p.stride - p.pad + p.kernel);
        float best = uintBitsToFloat(0xff800000u);  // -infinity
        int at = y0 * p.w + x0;
        for (int iy = y0; iy < y1; ++iy) {
            for (int ix = x0; ix < x1; ++ix) {
                float v = x[base + iy * p.w + ix];
                if (v > best) { best = v; at = iy * p.w + ix; }
            }
        }
        y[o] = best;
        argmax[o] = float(at);
    }
}
