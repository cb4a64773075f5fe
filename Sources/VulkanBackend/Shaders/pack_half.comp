#version 450
// NCHW fp32 -> NHWC fp16 in words of eight channels (16 bytes), channels padded with zeros to a
// whole word: the operand layout of the packed convolution kernels (conv_gemm.glsl with
// PACKED_HALF), whose K order is (tap, channel), so that a word of eight channels of one pixel is
// one vector load. The input may come in two parts, channels 0..<splitC at binding 0 and the rest
// at binding 1 (a decoder's skip and upsampled maps, packed into one tensor without a concatenated
// copy). An OIHW weight packs the same way, into [O][kH][kW][I].
//
// A workgroup transposes a tile of 256 words through shared memory: up to 8 words (64 channels)
// of 256 / 8 or more pixels, pixels counted across samples. It reads along pixels and writes
// whole runs of a pixel's words, so that both sides are coalesced (an invocation a word, its
// writes a pixel apart, took 2.4 times what its bytes need on an H200: docs/performance.md).
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer First { float first[]; };
layout(std430, binding = 1) readonly buffer Second { float second[]; };
layout(std430, binding = 2) writeonly buffer Packed { uvec4 packed[]; };
layout(push_constant) uniform Push { int batch, channels, plane, splitC; } p;

const int TILE_WORDS = 256, MAX_ROW_WORDS = 8;
// [channel][pixel], each channel's row one longer than the tile's pixels to spread the banks.
shared float tile[8 * TILE_WORDS + 8 * MAX_ROW_WORDS];

float channel(int n, int c, int pixel) {
    if (c >= p.channels) return 0.0;
    return c < p.splitC ? first[(n * p.splitC + c) * p.plane + pixel]
                        : second[(n * (p.channels - p.splitC) + c - p.splitC) * p.plane + pixel];
}

void main() {
    int t = int(gl_LocalInvocationID.x);
    int words = (p.channels + 7) / 8, pixels = p.batch * p.plane;
    int rowWords = min(words, MAX_ROW_WORDS), tilePixels = TILE_WORDS / rowWords, stride = tilePixels + 1;
    int pixelTiles = (pixels + tilePixels - 1) / tilePixels, wordTiles = (words + rowWords - 1) / rowWords;
    for (int index = int(gl_WorkGroupID.x); index < pixelTiles * wordTiles; index += int(gl_NumWorkGroups.x)) {
        int q0 = index % pixelTiles * tilePixels, w0 = index / pixelTiles * rowWords;
        [[unroll]] for (int e = 0; e < 8; ++e) {
            int i = t + 256 * e, c = i / tilePixels, q = i % tilePixels, pixel = q0 + q;
            tile[c * stride + q] = pixel < pixels ? channel(pixel / p.plane, 8 * w0 + c, pixel % p.plane) : 0.0;
        }
        barrier();
        int q = t / rowWords, w = t % rowWords, word = w0 + w, pixel = q0 + q;
        if (pixel < pixels && word < words) {
            uvec4 v;
            [[unroll]] for (int j = 0; j < 4; ++j) {
                int c = 8 * w + 2 * j;
                v[j] = packHalf2x16(vec2(tile[c * stride + q], tile[(c + 1) * stride + q]));
            }
            packed[pixel * words + word] = v;
        }
        barrier();  // before the next tile overwrites the shared one
    }
}
