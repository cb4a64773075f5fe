#version 450
// Convolutions on tensor cores (conv_gemm.glsl's products): the tiles are fp16 in shared memory,
// multiplied in VK_NV_cooperative_matrix 16x8x16 tiles, accumulated in fp32. Tensors stay fp32
// in device memory. Subgroup s of the 4 owns rows 32*(s/2) .. +32 and columns 64*(s%2) .. +64 of
// the 64x128 tile: 2x8 accumulators of 16x8, written out through shared memory.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#define TILE_T float16_t
#include "conv_gemm.glsl"

const uint TM = 16, TN = 8, TK = 16;
const int STRIDE_C = BN + 4;
shared float tileC[BM * STRIDE_C];
fcoopmatNV<32, gl_ScopeSubgroup, TM, TN> acc[2][8];

int subgroupRow() { return 32 * (int(gl_LocalInvocationID.x) / 32 / 2); }
int subgroupColumn() { return 64 * (int(gl_LocalInvocationID.x) / 32 % 2); }

void clearAccumulators() {
    [[unroll]] for (int i = 0; i < 2; ++i) [[unroll]] for (int j = 0; j < 8; ++j) {
        acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, TM, TN>(0.0);
    }
}

void multiplyStaged() {
    [[unroll]] for (uint kk = 0; kk < BK; kk += TK) {
        fcoopmatNV<16, gl_ScopeSubgroup, TM, TK> fa[2];
        [[unroll]] for (int i = 0; i < 2; ++i) {
            coopMatLoadNV(fa[i], tileA, uint((subgroupRow() + 16 * i) * STRIDE_A) + kk, uint(STRIDE_A), false);
        }
        [[unroll]] for (int j = 0; j < 8; ++j) {
            fcoopmatNV<16, gl_ScopeSubgroup, TK, TN> fb;
            coopMatLoadNV(fb, tileB, kk * uint(STRIDE_B) + uint(subgroupColumn() + 8 * j), uint(STRIDE_B), false);
            [[unroll]] for (int i = 0; i < 2; ++i) acc[i][j] = coopMatMulAddNV(fa[i], fb, acc[i][j]);
        }
    }
}

// Through shared memory, so that consecutive invocations write consecutive pixels.
void writeTile(Column col, int row0) {
    [[unroll]] for (int i = 0; i < 2; ++i) [[unroll]] for (int j = 0; j < 8; ++j) {
        coopMatStoreNV(acc[i][j], tileC, uint((subgroupRow() + 16 * i) * STRIDE_C + subgroupColumn() + 8 * j),
                       uint(STRIDE_C), false);
    }
    barrier();
    int t = int(gl_LocalInvocationID.x);
    for (int r = 0; r < BM; ++r) storeC(col, row0, r, tileC[r * STRIDE_C + t]);
    barrier();
}
