// Convolutions on tensor cores (conv_gemm.glsl's products), for conv_coopmat.comp and, on packed
// fp16 operands, conv_coopmat_packed.comp: the tiles are fp16 in shared memory, multiplied as
// VK_NV_cooperative_matrix 16x16x16 tiles, accumulated in fp32 (from the bias). The output is
// fp32. The subgroups split the BM x 128 tile into BM / SUBGROUP_ROWS rows of SUBGROUP_COLUMNS;
// each owns FRAGMENTS_M x FRAGMENTS_N 16x16 accumulators. The including kernel may set
// SUBGROUP_ROWS (16 to BM; default 32) beside conv_gemm.glsl's BM, BK and THREADS.
// Accumulators go straight to C where a 16x16 fragment lies whole in one sample's plane with
// aligned rows, else through a per-subgroup scratch tile that each lane copies element-wise.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#define TILE_T float16_t
#ifdef PACKED_HALF
#define TILE_WORDS
#endif
#ifndef THREADS
#define THREADS 128
#endif
#ifndef SUBGROUP_ROWS
#define SUBGROUP_ROWS 32
#endif
#include "conv_gemm.glsl"
#if SUBGROUP_ROWS % 16 != 0 || BM % SUBGROUP_ROWS != 0 || THREADS / 32 % (BM / SUBGROUP_ROWS) != 0
#error "SUBGROUP_ROWS: whole fragments, and the subgroups in whole rows of the tile"
#endif

const uint T = 16;  // fragment size: 16x16x16
const int SUBGROUP_COLUMNS = THREADS / 32 / (BM / SUBGROUP_ROWS);
const int FRAGMENTS_M = SUBGROUP_ROWS / 16, FRAGMENTS_N = BN / SUBGROUP_COLUMNS / 16;
fcoopmatNV<32, gl_ScopeSubgroup, T, T> acc[FRAGMENTS_M][FRAGMENTS_N];
// The fragments that pass through shared memory, in one array (never live at once; 8 KiB less,
// for 128-row tiles 64 deep to fit in 48 KiB): before the K loop each row's bias across 16 columns,
// which, loaded as a matrix, starts the accumulators at the bias; after it each subgroup's 16x16
// tile of the stores that cannot go straight to C.
const int BIAS_ROWS = BM * 16, SCRATCH = THREADS / 32 * 256;
shared float fragmentStage[max(BIAS_ROWS, SCRATCH)];

int subgroupRow() { return SUBGROUP_ROWS * (int(gl_LocalInvocationID.x) / 32 / SUBGROUP_COLUMNS); }
int subgroupColumn() { return BN / SUBGROUP_COLUMNS * (int(gl_LocalInvocationID.x) / 32 % SUBGROUP_COLUMNS); }

void clearAccumulators(int row0) {
    for (int e = int(gl_LocalInvocationID.x); e < BM * 16; e += THREADS) {
        int m = row0 + e / 16;
        fragmentStage[e] = HAS_BIAS && m < rowsM() ? bias[m] : 0.0;
    }
    barrier();
    [[unroll]] for (int i = 0; i < FRAGMENTS_M; ++i) {
        fcoopmatNV<32, gl_ScopeSubgroup, T, T> start;
        coopMatLoadNV(start, fragmentStage, uint((subgroupRow() + 16 * i) * 16), 16, false);
        [[unroll]] for (int j = 0; j < FRAGMENTS_N; ++j) acc[i][j] = start;
    }
}

void multiplyStaged() {
    [[unroll]] for (uint kk = 0; kk < BK; kk += T) {
        fcoopmatNV<16, gl_ScopeSubgroup, T, T> fa[FRAGMENTS_M];
        [[unroll]] for (int i = 0; i < FRAGMENTS_M; ++i) {
#ifdef TILE_WORDS
            coopMatLoadNV(fa[i], tileA, uint((subgroupRow() + 16 * i) * STRIDE_WORDS) + kk / 8, uint(STRIDE_WORDS), false);
#else
            coopMatLoadNV(fa[i], tileA, uint((subgroupRow() + 16 * i) * STRIDE_A) + kk, uint(STRIDE_A), false);
#endif
        }
        [[unroll]] for (int j = 0; j < FRAGMENTS_N; ++j) {
            fcoopmatNV<16, gl_ScopeSubgroup, T, T> fb;
#ifdef TILE_WORDS
            // B column-major: column n's K rows are contiguous.
            coopMatLoadNV(fb, tileB, uint((subgroupColumn() + 16 * j) * STRIDE_WORDS) + kk / 8, uint(STRIDE_WORDS), true);
#else
            coopMatLoadNV(fb, tileB, kk * uint(STRIDE_B) + uint(subgroupColumn() + 16 * j), uint(STRIDE_B), false);
#endif
            [[unroll]] for (int i = 0; i < FRAGMENTS_M; ++i) acc[i][j] = coopMatMulAddNV(fa[i], fb, acc[i][j]);
        }
    }
}

void writeTile(int row0, int col0) {
    int lane = int(gl_LocalInvocationID.x) % 32, s = int(gl_LocalInvocationID.x) / 32;
    int pixels = p.outH * p.outW, N = p.batch * pixels;
    [[unroll]] for (int i = 0; i < FRAGMENTS_M; ++i) [[unroll]] for (int j = 0; j < FRAGMENTS_N; ++j) {
        int row = subgroupRow() + 16 * i, column = subgroupColumn() + 16 * j, first = col0 + column;
        // Whole in C: 16 rows that exist, 16 existing columns of one sample, 16-element aligned.
        bool direct = MODE == 0 && pixels % 16 == 0 && row0 + row + 16 <= rowsM() && first + 16 <= N;
        if (direct) {
            coopMatStoreNV(acc[i][j], c, uint(columnOutBase[column] + (row0 + row) * planeC()), uint(planeC()), false);
        } else {
            coopMatStoreNV(acc[i][j], fragmentStage, uint(256 * s), 16, false);
            subgroupBarrier();
            for (int e = lane; e < 256; e += 32) storeC(row0, row + e / 16, column + e % 16, fragmentStage[256 * s + e]);
            subgroupBarrier();
        }
    }
}
