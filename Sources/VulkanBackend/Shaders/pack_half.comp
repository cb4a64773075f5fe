#version 450
// NCHW fp32 -> NHWC fp16, eight channels (one 16-byte word) per invocation: the operand layout of
// the packed convolution kernels (conv_gemm.glsl with PACKED_HALF), whose K order is (tap,
// channel), so that a word of eight channels of one pixel is one vector load. The input may come
// in two parts, channels 0..<splitC at binding 0 and the rest at binding 1 (a decoder's skip and
// upsampled maps, packed into one tensor without a concatenated copy). An OIHW weight packs the
// same way, into [O][kH][kW][I]. C must be a multiple of 8.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer First { float first[]; };
layout(std430, binding = 1) readonly buffer Second { float second[]; };
layout(std430, binding = 2) writeonly buffer Packed { uvec4 packed[]; };
layout(push_constant) uniform Push { int batch, channels, plane, splitC; } p;

float channel(int n, int c, int pixel) {
    return c < p.splitC ? first[(n * p.splitC + c) * p.plane + pixel]
                        : second[(n * (p.channels - p.splitC) + c - p.splitC) * p.plane + pixel];
}

void main() {
    int words = p.channels / 8, count = p.batch * words * p.plane;
    // Invocations run over pixels fastest, so that each channel's reads are contiguous.
    for (int i = int(gl_GlobalInvocationID.x); i < count; i += int(gl_NumWorkGroups.x * 256)) {
        int pixel = i % p.plane, word = i / p.plane % words, n = i / p.plane / words, c = 8 * word;
        uvec4 v;
        [[unroll]] for (int j = 0; j < 4; ++j) {
            v[j] = packHalf2x16(vec2(channel(n, c + 2 * j, pixel), channel(n, c + 2 * j + 1, pixel)));
        }
        packed[(n * p.plane + pixel) * words + word] = v;
    }
}
