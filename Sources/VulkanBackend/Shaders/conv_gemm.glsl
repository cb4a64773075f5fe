// The implicit-GEMM convolution that conv_coopmat.comp (tensor cores) and conv_tiled.comp (fp32,
// any device) share: C[M, N] = A[M, K] * B[K, N] over BM x 128 tiles of C, K staged BK at a time in
// shared memory, with the next step's A and B loaded into registers while the current one is
// multiplied, so memory latency overlaps the arithmetic. By MODE:
//   0 convolution      M = O  N = batch*Ho*Wo  K = I*kH*kW   A = weight [O, I*kH*kW], B = input patches
//   1 transposed 2x2   the transposed convolution whose kernel equals its stride (no padding), as
//                      conv.comp's MODE 1 takes it: each output pixel takes one tap, so tap (ty, tx)
//                      = gl_WorkGroupID.z is a 1x1 convolution of dy: M = I, N = batch*Ho*Wo (of dy),
//                      K = O, A = weight[:, :, ty, tx] transposed, written to pixels (s*y + ty, s*x + tx)
// In MODE 0 the input may come in two parts, channels 0..<splitC at binding 1 and the rest at
// binding 4 (the U-Net decoder's skip and upsampled maps, read in place of their concatenation).
// Invocation t gathers column t % BN of B. The including kernel defines TILE_T (the shared tiles'
// element type) and THREADS (128 or 256), and, after the include, the stages declared at the end.
//
// With PACKED_HALF defined, A and B come packed by pack_half.comp: fp16, eight channels to a
// 16-byte word, K ordered (tap, channel) rather than (channel, tap), the gathered tensor's channels
// (inC in MODE 0, outC in MODE 1) padded with zeros to whole words. A is the weight [O][I][kH][kW]
// packed as [O][kH][kW][I] in MODE 0 and as [I][kH][kW][O] in MODE 1 (rows M, then the layer's
// tap, then K). A K step then loads whole words, one bounds check per word, instead of a scalar
// with its own window arithmetic per element: the scalar gather was most of the tensor-core
// kernel's time on an H200 (docs/performance.md). With TILE_WORDS also defined the tiles stay
// packed in shared memory (A row-major, B column-major: [n][k]) for the cooperative-matrix loads;
// without it stage() unpacks them into the TILE_T tiles of the unpacked layout.
layout(local_size_x = THREADS) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const bool HAS_BIAS = false;
#ifdef PACKED_HALF
layout(std430, binding = 0) readonly buffer ABuffer { uvec4 a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { uvec4 b[]; };
#else
layout(std430, binding = 0) readonly buffer ABuffer { float a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { float b[]; };
#endif
layout(std430, binding = 2) readonly buffer BiasBuffer { float bias[]; };
layout(std430, binding = 3) writeonly buffer CBuffer { float c[]; };
layout(std430, binding = 4) readonly buffer BSecondBuffer { float bSecond[]; };
layout(push_constant) uniform Push {
    int batch, inC, inH, inW;  // convolution input (MODE 1: the transposed convolution's output)
    int outC, outH, outW;      // convolution output (MODE 1: the transposed convolution's input, dy)
    int kH, kW, stride, pad;
    int splitK;                // unused (conv.comp's weight gradient alone splits K)
    int splitC;                // channels of B's first part (binding 1); the rest are at binding 4
} p;

// The workgroup's tile of C, BM x BN, and the depth of K staged at a time, BK. The including
// kernel may set BM (64 or 128) and BK; the defaults are the committed kernels' (other shapes are
// timed by scripts/bench/gpu.sh). The host sizes the grid by BM x 128 tiles for the kernels it
// knows (VulkanBackend.gemmTile, packedTensorCoreKernel); an experiment with BM = 128 loaded in
// place of a 64-row kernel gets the 64-row grid, whose extra rows of workgroups (row0 >= M) return
// at once (main).
const int BN = 128;
#ifndef BM
#define BM 64
#endif
#ifndef BK
#ifdef TILE_WORDS
#define BK 64  // half the barriers per K; the fp32 tiles would not fit in 48 KiB at this depth
#else
#define BK 32
#endif
#endif
#if BM != 64 && BM != 128
#error "BM: 64 or 128 rows (the host's grids)"
#endif
#if BK % 16 != 0 || (THREADS != 128 && THREADS != 256) || BM * BK % (8 * THREADS) != 0 || BK * 128 % (8 * THREADS) != 0
#error "BK: whole 16-deep fragments; THREADS: 128 or 256, each fetching whole words of A and of one column of B"
#endif
const int A_PER_THREAD = BM * BK / THREADS, B_PER_THREAD = BK * BN / THREADS;
// Rows padded by 8 elements so that consecutive rows start in different banks (and, in fp16,
// stay 16-byte aligned for cooperative-matrix loads).
const int STRIDE_A = BK + 8, STRIDE_B = BN + 8;
#ifdef TILE_WORDS
// In words of 8 halves: A [BM][BK], B [BN][BK], rows padded as above.
const int STRIDE_WORDS = (BK + 8) / 8;
shared uvec4 tileA[BM * STRIDE_WORDS];
shared uvec4 tileB[BN * STRIDE_WORDS];
#else
shared TILE_T tileA[BM * STRIDE_A];
shared TILE_T tileB[BK * STRIDE_B];
#endif
// Where each column of the current tile is written (see Column.outBase), for the epilogues.
shared int columnOutBase[BN];
shared bool columnValid[BN];

int rowsM() { return MODE == 0 ? p.outC : p.inC; }
int depthK() { return MODE == 0 ? p.inC * p.kH * p.kW : p.outC; }
/// Elements of one channel plane of C.
int planeC() { return MODE == 0 ? p.outH * p.outW : p.inH * p.inW; }
// The gathered tensor (B's source) and the window of it that one column reads.
int gatherC() { return MODE == 0 ? p.inC : p.outC; }
int gatherH() { return MODE == 0 ? p.inH : p.outH; }
int gatherW() { return MODE == 0 ? p.inW : p.outW; }
int windowH() { return MODE == 0 ? p.kH : 1; }
int windowW() { return MODE == 0 ? p.kW : 1; }

/// The invocation's column of the current tile: where it reads B and writes C.
struct Column {
    bool valid;
    int firstBase;   // first element of the sample in B's first part
    int secondBase;  // in its second part, less splitC planes: channel i >= splitC is at secondBase + i * plane
    int y0, x0;      // top-left of its window in B's source
    int outBase;     // element of C for row 0 (row m adds m * planeC())
};

#ifdef PACKED_HALF
// Words of 8 halves per invocation and K step.
const int A_WORDS = A_PER_THREAD / 8, B_WORDS = B_PER_THREAD / 8;
uvec4 regA[A_WORDS];
uvec4 regB[B_WORDS];

// Where the invocation's words of B in the next K step start: word nextC of window tap (nextTy,
// nextTx). fetch(0) decodes it, each fetch steps it on by BK: decoding it at every step (four
// integer divisions) cost up to 6% of a layer's time on an H100 (docs/performance.md).
int nextC, nextTx, nextTy;

/// Loads the K step at `kb` into registers: words of A[row0.., kb..] and of the invocation's column of B.
void fetch(int kb, int row0, Column col) {
    int M = rowsM(), K = depthK(), t = int(gl_LocalInvocationID.x);
    // MODE 1: the layer's tap of each row (MODE 0 has one).
    int taps = MODE == 0 ? 1 : p.kH * p.kW, tapA = MODE == 0 ? 0 : int(gl_WorkGroupID.z);
    [[unroll]] for (int j = 0; j < A_WORDS; ++j) {
        int e = t + THREADS * j, m = row0 + e / (BK / 8), k = kb + 8 * (e % (BK / 8));
        regA[j] = m < M && k < K ? a[((m * taps + tapA) * K + k) / 8] : uvec4(0);
    }
    // Word w of the column holds K rows k..k+7: channels c..c+7 of window tap (ty, tx).
    int C = gatherC(), H = gatherH(), W = gatherW(), words = C / 8;
    if (kb == 0) {
        int k0 = t / BN * B_PER_THREAD, tap = k0 / C;
        nextC = k0 % C / 8;
        nextTy = tap / windowW();
        nextTx = tap % windowW();
    }
    int c = nextC, tx = nextTx, ty = nextTy;
    [[unroll]] for (int w = 0; w < B_WORDS; ++w) {
        int iy = col.y0 + ty, ix = col.x0 + tx;
        bool inside = col.valid && ty < windowH() && iy >= 0 && iy < H && ix >= 0 && ix < W;
        regB[w] = inside ? b[col.firstBase + (iy * W + ix) * words + c] : uvec4(0);
        if (++c == words) { c = 0; if (++tx == windowW()) { tx = 0; ++ty; } }
    }
    // The other invocations' words of this step, to reach this one's in the next.
    [[unroll]] for (int w = B_WORDS; w < BK / 8; ++w)
        if (++c == words) { c = 0; if (++tx == windowW()) { tx = 0; ++ty; } }
    nextC = c;
    nextTx = tx;
    nextTy = ty;
}

#ifdef TILE_WORDS
/// Stores the registers of `fetch` into the shared tiles.
void stage() {
    int t = int(gl_LocalInvocationID.x);
    [[unroll]] for (int j = 0; j < A_WORDS; ++j) {
        int e = t + THREADS * j;
        tileA[e / (BK / 8) * STRIDE_WORDS + e % (BK / 8)] = regA[j];
    }
    int column = t % BN, word0 = t / BN * B_WORDS;
    [[unroll]] for (int w = 0; w < B_WORDS; ++w) tileB[column * STRIDE_WORDS + word0 + w] = regB[w];
}
#else
/// Unpacks the registers of `fetch` into the shared tiles.
void stage() {
    int t = int(gl_LocalInvocationID.x);
    [[unroll]] for (int j = 0; j < A_WORDS; ++j) {
        int e = t + THREADS * j, row = e / (BK / 8), k = 8 * (e % (BK / 8));
        [[unroll]] for (int h = 0; h < 4; ++h) {
            vec2 v = unpackHalf2x16(regA[j][h]);
            tileA[row * STRIDE_A + k + 2 * h] = TILE_T(v.x);
            tileA[row * STRIDE_A + k + 2 * h + 1] = TILE_T(v.y);
        }
    }
    int column = t % BN, k0 = t / BN * B_PER_THREAD;
    [[unroll]] for (int w = 0; w < B_WORDS; ++w) [[unroll]] for (int h = 0; h < 4; ++h) {
        vec2 v = unpackHalf2x16(regB[w][h]);
        tileB[(k0 + 8 * w + 2 * h) * STRIDE_B + column] = TILE_T(v.x);
        tileB[(k0 + 8 * w + 2 * h + 1) * STRIDE_B + column] = TILE_T(v.y);
    }
}
#endif
#else
float regA[A_PER_THREAD];
float regB[B_PER_THREAD];

/// Loads the K step at `kb` into registers: A[row0.., kb..] and the invocation's rows of B[kb.., col].
void fetch(int kb, int row0, Column col) {
    int M = rowsM(), K = depthK(), tap = int(gl_WorkGroupID.z);
    [[unroll]] for (int j = 0; j < A_PER_THREAD; ++j) {
        int e = int(gl_LocalInvocationID.x) + THREADS * j, m = row0 + e / BK, k = kb + e % BK;
        float v = 0.0;
        if (m < M && k < K) v = MODE == 0 ? a[m * K + k] : a[(k * p.inC + m) * p.kH * p.kW + tap];
        regA[j] = v;
    }
    // K row k is channel i at window offset (ty, tx): decoded once, then stepped.
    int k0 = kb + int(gl_LocalInvocationID.x) / BN * B_PER_THREAD;
    int taps = windowH() * windowW(), i = k0 / taps, t = k0 % taps, ty = t / windowW(), tx = t % windowW();
    int C = gatherC(), H = gatherH(), W = gatherW();
    [[unroll]] for (int r = 0; r < B_PER_THREAD; ++r) {
        int iy = col.y0 + ty, ix = col.x0 + tx;
        float v = 0.0;
        if (col.valid && i < C && iy >= 0 && iy < H && ix >= 0 && ix < W) {
            int offset = (i * H + iy) * W + ix;
            v = i < p.splitC ? b[col.firstBase + offset] : bSecond[col.secondBase + offset];
        }
        regB[r] = v;
        if (++tx == windowW()) { tx = 0; if (++ty == windowH()) { ty = 0; ++i; } }
    }
}

/// Stores the registers of `fetch` into the shared tiles.
void stage() {
    int t = int(gl_LocalInvocationID.x), row = t / BN * B_PER_THREAD, column = t % BN;
    [[unroll]] for (int j = 0; j < A_PER_THREAD; ++j) {
        int e = t + THREADS * j;
        tileA[(e / BK) * STRIDE_A + e % BK] = TILE_T(regA[j]);
    }
    [[unroll]] for (int r = 0; r < B_PER_THREAD; ++r) tileB[(row + r) * STRIDE_B + column] = TILE_T(regB[r]);
}
#endif

/// Writes C[row0 + row] of tile column `column` (as published in columnOutBase), if it exists.
void storeC(int row0, int row, int column, float v) {
    int m = row0 + row;
    if (columnValid[column] && m < rowsM()) c[columnOutBase[column] + m * planeC()] = v;
}

// Defined by the including kernel.
/// Sets the accumulators to zero (or to the bias of their rows).
void clearAccumulators(int row0);
/// Multiplies the staged tiles into the accumulators (shared tiles are ready; no barrier inside).
void multiplyStaged();
/// Writes the accumulators of the tile at (row0, col0) to C (called in uniform control flow, after
/// a barrier that published columnOutBase and columnValid).
void writeTile(int row0, int col0);

void main() {
    int t = int(gl_LocalInvocationID.x);
    int row0 = int(gl_WorkGroupID.y) * BM, K = depthK();
    if (row0 >= rowsM()) return;  // BM = 128: the grid's extra rows of workgroups (uniform, before any barrier)
    // Columns: pixels (y, x) of the convolution output (MODE 0) or of dy (MODE 1), sample-major.
    int planeW = p.outW, pixels = p.outH * planeW, N = p.batch * pixels;
    int tap = int(gl_WorkGroupID.z);
    int tiles = (N + BN - 1) / BN;
    for (int tile = int(gl_WorkGroupID.x); tile < tiles; tile += int(gl_NumWorkGroups.x)) {
        int index = tile * BN + t % BN, n = index / pixels, q = index % pixels, y = q / planeW, x = q % planeW;
        Column col;
        col.valid = index < N;
        int plane = gatherH() * gatherW();
#ifdef PACKED_HALF
        col.firstBase = n * plane * (gatherC() / 8);  // in words; the packed input is one part
#else
        col.firstBase = n * p.splitC * plane;
        col.secondBase = (n * (gatherC() - p.splitC) - p.splitC) * plane;
#endif
        col.y0 = MODE == 0 ? y * p.stride - p.pad : y;
        col.x0 = MODE == 0 ? x * p.stride - p.pad : x;
        col.outBase = MODE == 0
            ? n * rowsM() * pixels + q
            : n * rowsM() * p.inH * p.inW + (y * p.stride + tap / p.kW) * p.inW + x * p.stride + tap % p.kW;
        if (t < BN) {
            columnOutBase[t] = col.outBase;
            columnValid[t] = col.valid;
        }

        clearAccumulators(row0);
        fetch(0, row0, col);
        for (int kb = 0; kb < K; kb += BK) {
            stage();
            barrier();
            if (kb + BK < K) fetch(kb + BK, row0, col);
            multiplyStaged();
            barrier();
        }
        writeTile(row0, tile * BN);
        barrier();  // before the next tile's columns are published
    }
}
