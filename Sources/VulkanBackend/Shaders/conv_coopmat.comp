#version 450
// conv.comp's forward and input-gradient products (MODE 0 and 1; see there) on tensor cores:
// the same implicit GEMM C[M, N] = A[M, K] * B[K, N], with A and B converted to fp16 as they are
// staged in shared memory, multiplied by VK_NV_cooperative_matrix 16x8x16 tiles, accumulated in fp32.
// Tensors stay fp32 in device memory, so every other kernel is unchanged.
//
// A workgroup (4 subgroups of 32) computes a 64x128 tile of C, K staged 32 at a time; subgroup s
// owns rows 32*(s/2) .. +32 and columns 64*(s%2) .. +64, i.e. 2x8 accumulator tiles of 16x8.
// Each invocation stages one column of B: the column's pixel is decoded once per tile, and the
// K rows' (channel, tap) once per K step into a shared table, so the gather needs no division.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 128) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const bool HAS_BIAS = false;
layout(std430, binding = 0) readonly buffer ABuffer { float a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { float b[]; };
layout(std430, binding = 2) readonly buffer BiasBuffer { float bias[]; };
layout(std430, binding = 3) writeonly buffer CBuffer { float c[]; };
layout(push_constant) uniform Push {
    int batch, inC, inH, inW;
    int outC, outH, outW;
    int kH, kW, stride, pad;
    int splitK;  // unused: conv.comp's weight gradient alone splits K
} p;

const int BM = 64, BN = 128, BK = 32, THREADS = 128;
const uint TM = 16, TN = 8, TK = 16;
// Rows padded by 8 halves (16 bytes) so that consecutive rows start in different banks.
const int STRIDE_A = BK + 8, STRIDE_B = BN + 8, STRIDE_C = BN + 4;
shared float16_t tileA[BM * STRIDE_A];
shared float16_t tileB[BK * STRIDE_B];
shared float tileC[BM * STRIDE_C];
// Per K row of the current step: offset of its channel plane in the gathered tensor (-1 past K),
// and its tap's row and column.
shared int rowPlane[BK];
shared int rowTapY[BK];
shared int rowTapX[BK];

int taps() { return p.kH * p.kW; }
int rowsM() { return MODE == 1 ? p.inC : p.outC; }
int colsN() { return MODE == 0 ? p.batch * p.outH * p.outW : p.batch * p.inH * p.inW; }
int depthK() { return MODE == 0 ? p.inC * taps() : p.outC * taps(); }
/// Pixels of one channel plane of the output C (its columns per sample).
int outPixels() { return MODE == 0 ? p.outH * p.outW : p.inH * p.inW; }

float loadA(int m, int k) {
    if (MODE == 0) return a[m * depthK() + k];
    return a[((k / taps()) * p.inC + m) * taps() + k % taps()];
}

void main() {
    int M = rowsM(), N = colsN(), K = depthK(), pixels = outPixels();
    int t = int(gl_LocalInvocationID.x), subgroup = t / 32;
    int row0 = int(gl_WorkGroupID.y) * BM;
    int tiles = (N + BN - 1) / BN;
    for (int tile = int(gl_WorkGroupID.x); tile < tiles; tile += int(gl_NumWorkGroups.x)) {
        int col0 = tile * BN;
        // This invocation's column of B: sample n, pixel (y, x) of C's plane.
        int col = col0 + t;
        bool colValid = col < N;
        int n = col / pixels, q = col % pixels, y = q / (MODE == 0 ? p.outW : p.inW), x = q % (MODE == 0 ? p.outW : p.inW);
        // Mode 0 gathers the input x[n, i, y*s - pad + ty, x*s - pad + tx]; mode 1 gathers dy[n, o, oy, ox]
        // where input pixel (y, x) is tap (ty, tx) of output pixel (oy, ox).
        int gatherH = MODE == 0 ? p.inH : p.outH, gatherW = MODE == 0 ? p.inW : p.outW;
        int sampleBase = n * (MODE == 0 ? p.inC : p.outC) * gatherH * gatherW;
        int y0 = MODE == 0 ? y * p.stride - p.pad : y + p.pad, x0 = MODE == 0 ? x * p.stride - p.pad : x + p.pad;

        fcoopmatNV<32, gl_ScopeSubgroup, TM, TN> acc[2][8];
        for (int i = 0; i < 2; ++i) for (int j = 0; j < 8; ++j) acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, TM, TN>(0.0);

        for (int kb = 0; kb < K; kb += BK) {
            if (t < BK) {
                int k = kb + t, tap = k % taps();
                rowPlane[t] = k < K ? (k / taps()) * gatherH * gatherW : -1;
                rowTapY[t] = tap / p.kW;
                rowTapX[t] = tap % p.kW;
            }
            // A: consecutive invocations take consecutive k of one row (weights are contiguous in k).
            for (int e = t; e < BM * BK; e += THREADS) {
                int m = row0 + e / BK, k = kb + e % BK;
                tileA[(e / BK) * STRIDE_A + e % BK] = float16_t((m < M && k < K) ? loadA(m, k) : 0.0);
            }
            barrier();
            for (int r = 0; r < BK; ++r) {
                int plane = rowPlane[r];
                float v = 0.0;
                if (colValid && plane >= 0) {
                    if (MODE == 0) {
                        int iy = y0 + rowTapY[r], ix = x0 + rowTapX[r];
                        if (iy >= 0 && iy < gatherH && ix >= 0 && ix < gatherW) v = b[sampleBase + plane + iy * gatherW + ix];
                    } else {
                        int sy = y0 - rowTapY[r], sx = x0 - rowTapX[r];
                        if (sy >= 0 && sx >= 0 && sy % p.stride == 0 && sx % p.stride == 0) {
                            int oy = sy / p.stride, ox = sx / p.stride;
                            if (oy < gatherH && ox < gatherW) v = b[sampleBase + plane + oy * gatherW + ox];
                        }
                    }
                }
                tileB[r * STRIDE_B + t] = float16_t(v);
            }
            barrier();
            for (uint kk = 0; kk < BK; kk += TK) {
                fcoopmatNV<16, gl_ScopeSubgroup, TM, TK> fa[2];
                for (int i = 0; i < 2; ++i) {
                    coopMatLoadNV(fa[i], tileA, uint((32 * (subgroup / 2) + 16 * i) * STRIDE_A) + kk, uint(STRIDE_A), false);
                }
                for (int j = 0; j < 8; ++j) {
                    fcoopmatNV<16, gl_ScopeSubgroup, TK, TN> fb;
                    coopMatLoadNV(fb, tileB, kk * uint(STRIDE_B) + uint(64 * (subgroup % 2) + 8 * j), uint(STRIDE_B), false);
                    for (int i = 0; i < 2; ++i) acc[i][j] = coopMatMulAddNV(fa[i], fb, acc[i][j]);
                }
            }
            barrier();
        }

        // Through shared memory to NCHW, with the bias: consecutive invocations write consecutive pixels.
        for (int i = 0; i < 2; ++i) {
            for (int j = 0; j < 8; ++j) {
                coopMatStoreNV(acc[i][j], tileC, uint((32 * (subgroup / 2) + 16 * i) * STRIDE_C + 64 * (subgroup % 2) + 8 * j),
                               uint(STRIDE_C), false);
            }
        }
        barrier();
        if (colValid) {
            for (int r = 0; r < BM && row0 + r < M; ++r) {
                float v = tileC[r * STRIDE_C + t];
                if (HAS_BIAS) v += bias[row0 + r];
                c[(n * M + row0 + r) * pixels + q] = v;
            }
        }
        barrier();
    }
}
