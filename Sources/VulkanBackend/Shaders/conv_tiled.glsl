// conv_gemm.glsl's convolution products in fp32 on any device, for conv_tiled.comp and, on packed
// fp16 operands unpacked as they are staged, conv_tiled_packed.comp: each of the 128 invocations
// accumulates an 8x8 block of the 64x128 tile, rows tr + 8i and columns tc + 16j (tr = t / 16,
// tc = t % 16).
#extension GL_EXT_control_flow_attributes : require
#define TILE_T float
#define THREADS 128
#include "conv_gemm.glsl"

float acc[8][8];

void clearAccumulators(int row0) {
    [[unroll]] for (int i = 0; i < 8; ++i) [[unroll]] for (int j = 0; j < 8; ++j) acc[i][j] = 0.0;
}

void multiplyStaged() {
    int t = int(gl_LocalInvocationID.x), tr = t / 16, tc = t % 16;
    for (int kk = 0; kk < BK; ++kk) {
        float av[8], bv[8];
        [[unroll]] for (int i = 0; i < 8; ++i) {
            av[i] = tileA[(tr + 8 * i) * STRIDE_A + kk];
            bv[i] = tileB[kk * STRIDE_B + tc + 16 * i];
        }
        [[unroll]] for (int i = 0; i < 8; ++i) [[unroll]] for (int j = 0; j < 8; ++j) acc[i][j] += av[i] * bv[j];
    }
}

void writeTile(int row0, int col0) {
    int t = int(gl_LocalInvocationID.x), tr = t / 16, tc = t % 16;
    [[unroll]] for (int i = 0; i < 8; ++i) {
        int m = row0 + tr + 8 * i;
        float bias_ = HAS_BIAS && m < rowsM() ? bias[m] : 0.0;
        [[unroll]] for (int j = 0; j < 8; ++j) storeC(row0, tr + 8 * i, tc + 16 * j, acc[i][j] + bias_);
    }
}
