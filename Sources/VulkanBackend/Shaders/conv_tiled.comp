#version 450
// conv_gemm.glsl's convolution products in fp32 on any device: each invocation accumulates an 8x8
// block of the 64x128 tile, rows tr + 8i and columns tc + 16j (tr = t / 16, tc = t % 16).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#define TILE_T float
#include "conv_gemm.glsl"

float acc[8][8];

void clearAccumulators() {
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

// Column tc + 16j of the tile belongs to invocation (tc + 16j) of the workgroup, whose Column the
// shared tile hands over: each invocation publishes its own, then reads the ones it writes for.
shared int columnOutBase[BN];
shared bool columnValid[BN];

void writeTile(Column col, int row0) {
    int t = int(gl_LocalInvocationID.x), tr = t / 16, tc = t % 16;
    columnOutBase[t] = col.outBase;
    columnValid[t] = col.valid;
    barrier();
    [[unroll]] for (int j = 0; j < 8; ++j) {
        Column owner = col;
        owner.valid = columnValid[tc + 16 * j];
        owner.outBase = columnOutBase[tc + 16 * j];
        [[unroll]] for (int i = 0; i < 8; ++i) storeC(owner, row0, tr + 8 * i, acc[i][j]);
    }
    barrier();
}
