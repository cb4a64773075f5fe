// The implicit-GEMM convolution that conv_coopmat.comp (tensor cores) and conv_tiled.comp (fp32,
// any device) share: C[M, N] = A[M, K] * B[K, N] over 64x128 tiles of C, K staged BK at a time in
// shared memory, with the next step's A and B loaded into registers while the current one is
// multiplied, so memory latency overlaps the arithmetic. By MODE:
//   0 convolution      M = O  N = batch*Ho*Wo  K = I*kH*kW   A = weight [O, I*kH*kW], B = input patches
//   1 transposed 2x2   the transposed convolution whose kernel equals its stride (no padding), as
//                      conv.comp's MODE 1 takes it: each output pixel takes one tap, so tap (ty, tx)
//                      = gl_WorkGroupID.z is a 1x1 convolution of dy: M = I, N = batch*Ho*Wo (of dy),
//                      K = O, A = weight[:, :, ty, tx] transposed, written to pixels (s*y + ty, s*x + tx)
// Each invocation gathers one column of B. The including kernel defines TILE_T (the shared tiles'
// element type) and, after the include, the three stages declared at the end.
layout(local_size_x = 128) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const bool HAS_BIAS = false;
layout(std430, binding = 0) readonly buffer ABuffer { float a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { float b[]; };
layout(std430, binding = 2) readonly buffer BiasBuffer { float bias[]; };
layout(std430, binding = 3) writeonly buffer CBuffer { float c[]; };
layout(push_constant) uniform Push {
    int batch, inC, inH, inW;  // convolution input (MODE 1: the transposed convolution's output)
    int outC, outH, outW;      // convolution output (MODE 1: the transposed convolution's input, dy)
    int kH, kW, stride, pad;
    int splitK;                // unused (conv.comp's weight gradient alone splits K)
} p;

const int BM = 64, BN = 128, BK = 32, THREADS = 128;
const int A_PER_THREAD = BM * BK / THREADS;
// Rows padded by 8 elements so that consecutive rows start in different banks (and, in fp16,
// stay 16-byte aligned for cooperative-matrix loads).
const int STRIDE_A = BK + 8, STRIDE_B = BN + 8;
shared TILE_T tileA[BM * STRIDE_A];
shared TILE_T tileB[BK * STRIDE_B];

int rowsM() { return MODE == 0 ? p.outC : p.inC; }
int depthK() { return MODE == 0 ? p.inC * p.kH * p.kW : p.outC; }
// The gathered tensor (B's source) and the window of it that one column reads.
int gatherC() { return MODE == 0 ? p.inC : p.outC; }
int gatherH() { return MODE == 0 ? p.inH : p.outH; }
int gatherW() { return MODE == 0 ? p.inW : p.outW; }
int windowH() { return MODE == 0 ? p.kH : 1; }
int windowW() { return MODE == 0 ? p.kW : 1; }

/// The invocation's column of the current tile: where it reads B and writes C.
struct Column {
    bool valid;
    int n;           // sample
    int sampleBase;  // first element of the sample in B's source
    int y0, x0;      // top-left of its window in B's source
    int outBase;     // element of C for row 0 (row m adds m * cH * cW)
};

float regA[A_PER_THREAD];
float regB[BK];

/// Loads the K step at `kb` into registers: A[row0.., kb..] and the column's B[kb.., col].
void fetch(int kb, int row0, Column col) {
    int M = rowsM(), K = depthK(), tap = int(gl_WorkGroupID.z);
    [[unroll]] for (int j = 0; j < A_PER_THREAD; ++j) {
        int e = int(gl_LocalInvocationID.x) + THREADS * j, m = row0 + e / BK, k = kb + e % BK;
        float v = 0.0;
        if (m < M && k < K) v = MODE == 0 ? a[m * K + k] : a[(k * p.inC + m) * p.kH * p.kW + tap];
        regA[j] = v;
    }
    // K row k is channel i at window offset (ty, tx): decoded once, then stepped.
    int taps = windowH() * windowW(), i = kb / taps, t = kb % taps, ty = t / windowW(), tx = t % windowW();
    int C = gatherC(), H = gatherH(), W = gatherW();
    [[unroll]] for (int r = 0; r < BK; ++r) {
        int iy = col.y0 + ty, ix = col.x0 + tx;
        float v = 0.0;
        if (col.valid && i < C && iy >= 0 && iy < H && ix >= 0 && ix < W) v = b[col.sampleBase + (i * H + iy) * W + ix];
        regB[r] = v;
        if (++tx == windowW()) { tx = 0; if (++ty == windowH()) { ty = 0; ++i; } }
    }
}

/// Stores the registers of `fetch` into the shared tiles.
void stage() {
    int t = int(gl_LocalInvocationID.x);
    [[unroll]] for (int j = 0; j < A_PER_THREAD; ++j) {
        int e = t + THREADS * j;
        tileA[(e / BK) * STRIDE_A + e % BK] = TILE_T(regA[j]);
    }
    [[unroll]] for (int r = 0; r < BK; ++r) tileB[r * STRIDE_B + t] = TILE_T(regB[r]);
}

/// Writes C[row, column] plus the bias (row relative to the tile's first).
void storeC(Column col, int row0, int row, float v) {
    int m = row0 + row;
    if (!col.valid || m >= rowsM()) return;
    if (HAS_BIAS) v += bias[m];
    int cPlane = MODE == 0 ? p.outH * p.outW : p.inH * p.inW;
    c[col.outBase + m * cPlane] = v;
}

// Defined by the including kernel.
void clearAccumulators();
/// Multiplies the staged tiles into the accumulators (shared tiles are ready; no barrier inside).
void multiplyStaged();
/// Writes the accumulators through storeC (may use barriers: called in uniform control flow).
void writeTile(Column col, int row0);

void main() {
    int t = int(gl_LocalInvocationID.x);
    int row0 = int(gl_WorkGroupID.y) * BM, K = depthK();
    // Columns: pixels (y, x) of the convolution output (MODE 0) or of dy (MODE 1), sample-major.
    int planeW = p.outW, pixels = p.outH * planeW, N = p.batch * pixels;
    int tap = int(gl_WorkGroupID.z);
    int tiles = (N + BN - 1) / BN;
    for (int tile = int(gl_WorkGroupID.x); tile < tiles; tile += int(gl_NumWorkGroups.x)) {
        int index = tile * BN + t, q = index % pixels, y = q / planeW, x = q % planeW;
        Column col;
        col.valid = index < N;
        col.n = index / pixels;
        col.sampleBase = col.n * gatherC() * gatherH() * gatherW();
        col.y0 = MODE == 0 ? y * p.stride - p.pad : y;
        col.x0 = MODE == 0 ? x * p.stride - p.pad : x;
        col.outBase = MODE == 0
            ? col.n * rowsM() * pixels + q
            : col.n * rowsM() * p.inH * p.inW + (y * p.stride + tap / p.kW) * p.inW + x * p.stride + tap % p.kW;

        clearAccumulators();
        fetch(0, row0, col);
        for (int kb = 0; kb < K; kb += BK) {
            stage();
            barrier();
            if (kb + BK < K) fetch(kb + BK, row0, col);
            multiplyStaged();
            barrier();
        }
        writeTile(col, row0);
    }
}
