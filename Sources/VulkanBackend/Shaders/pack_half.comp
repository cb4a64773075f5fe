#version 450
// NCHW fp32 -> NHWC fp16 in words of eight channels (16 bytes), channels padded with zeros to a
// whole word: the operand layout of the packed convolution kernels (conv_gemm.glsl with
// PACKED_HALF), whose K order is (tap, channel), so that a word of eight channels of one pixel is
// one vector load. The input may come in two parts, channels 0..<splitC at binding 0 and the rest
// at binding 1 (a decoder's skip and upsampled maps, packed into one tensor without a concatenated
// copy). An OIHW weight packs the same way, into [O][kH][kW][I].
//
// A workgroup transposes one tile of 256 words through shared memory: ROW words (8 ROW channels,
// ROW a power of two up to 8) of 256 / ROW pixels of one sample's plane, the grid's x the tile
// along the plane, y the words, z the sample (VulkanBackend.packHalf sizes it). It reads along
// pixels and writes whole runs of a pixel's words, so that both sides are coalesced. It divides a
// few times per invocation: with divisions per element (pixels counted across samples) it ran at
// a third of an H100's bandwidth (docs/performance.md).
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer First { float first[]; };
layout(std430, binding = 1) readonly buffer Second { float second[]; };
layout(std430, binding = 2) writeonly buffer Packed { uvec4 packed[]; };
layout(push_constant) uniform Push { int batch, channels, plane, splitC; } p;

const int TILE_WORDS = 256, MAX_ROW_WORDS = 8;
// [channel][pixel], each channel's row one longer than the tile's pixels to spread the banks.
shared float tile[8 * TILE_WORDS + 8 * MAX_ROW_WORDS];

/// Words of a tile's row: the pixel's words, rounded up to a power of two, at most 8.
int rowWords(int words) { return words >= 8 ? 8 : words > 4 ? 8 : words > 2 ? 4 : words; }

void main() {
    int t = int(gl_LocalInvocationID.x), n = int(gl_WorkGroupID.z);
    int words = (p.channels + 7) / 8, row = rowWords(words), tilePixels = TILE_WORDS / row;
    int stride = tilePixels + 1, q0 = int(gl_WorkGroupID.x) * tilePixels, w0 = int(gl_WorkGroupID.y) * row;
    // Reads: invocation t takes pixel q of channels c0, c0 + row, ... (8 of them).
    int q = t % tilePixels, c0 = t / tilePixels, pixel = q0 + q;
    int firstBase = n * p.splitC * p.plane + pixel, secondBase = (n * (p.channels - p.splitC) - p.splitC) * p.plane + pixel;
    [[unroll]] for (int e = 0; e < 8; ++e) {
        int c = c0 + row * e, channel = 8 * w0 + c;
        float v = 0.0;
        if (pixel < p.plane && channel < p.channels)
            v = channel < p.splitC ? first[firstBase + channel * p.plane] : second[secondBase + channel * p.plane];
        tile[c * stride + q] = v;
    }
    barrier();
    // Writes: invocation t packs word w of pixel q, whole runs of a pixel's words side by side.
    q = t / row;
    int w = t % row, word = w0 + w;
    pixel = q0 + q;
    if (pixel < p.plane && word < words) {
        uvec4 v;
        [[unroll]] for (int j = 0; j < 4; ++j) {
            int c = 8 * w + 2 * j;
            v[j] = packHalf2x16(vec2(tile[c * stride + q], tile[(c + 1) * stride + q]));
        }
        packed[(n * p.plane + pixel) * words + word] = v;
    }
}
