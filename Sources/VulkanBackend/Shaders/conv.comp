#version 450
// The three convolution products as one implicit GEMM, C[M, N] = A[M, K] * B[K, N], with A and B
// read straight from the NCHW tensors (no im2col buffer). By MODE:
//   0 forward          M = O  N = batch*Ho*Wo  K = I*kH*kW     A = weight [O, I*kH*kW], B = input patches
//   1 input gradient   M = I  N = batch*H*W    K = O*kH*kW     A = weight read as [I, O*kH*kW],
//                      B = dy gathered back through the stride (also the transposed convolution,
//                      whose IOHW weight is this OIHW weight)
//   2 weight gradient  M = O  N = I*kH*kW      K = batch*Ho*Wo A = dy, B = input patches; split
//                      along K over gl_WorkGroupID.z into partial sums the host adds up
// 64x64 output tiles, K staged 16 at a time in shared memory, 4x4 outputs per invocation.
layout(local_size_x = 256) in;
layout(constant_id = 0) const int MODE = 0;
layout(constant_id = 1) const bool HAS_BIAS = false;  // modes 0 and 1: add bias[m]
layout(std430, binding = 0) readonly buffer ABuffer { float a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { float b[]; };
layout(std430, binding = 2) readonly buffer BiasBuffer { float bias[]; };
layout(std430, binding = 3) writeonly buffer CBuffer { float c[]; };
layout(push_constant) uniform Push {
    int batch, inC, inH, inW;  // convolution input
    int outC, outH, outW;      // convolution output
    int kH, kW, stride, pad;
    int splitK;                // K elements per gl_WorkGroupID.z slice
} p;

const int TILE = 64, DEPTH = 16;
shared float tileA[DEPTH][TILE];
shared float tileB[DEPTH][TILE];

int taps() { return p.kH * p.kW; }
int rowsM() { return MODE == 1 ? p.inC : p.outC; }
int colsN() { return MODE == 0 ? p.batch * p.outH * p.outW : MODE == 1 ? p.batch * p.inH * p.inW : p.inC * taps(); }
int depthK() { return MODE == 0 ? p.inC * taps() : MODE == 1 ? p.outC * taps() : p.batch * p.outH * p.outW; }

/// Convolution input x[n, i, y, x] (binding 1 in modes 0 and 2), zero outside the image.
float convInput(int n, int i, int y, int x) {
    return (y >= 0 && y < p.inH && x >= 0 && x < p.inW) ? b[((n * p.inC + i) * p.inH + y) * p.inW + x] : 0.0;
}

/// Input patch element: tap `tap` of input channel `i` under output pixel `pixel` of sample `n`.
float inputPatch(int n, int i, int tap, int pixel) {
    int oy = pixel / p.outW, ox = pixel % p.outW;
    return convInput(n, i, oy * p.stride - p.pad + tap / p.kW, ox * p.stride - p.pad + tap % p.kW);
}

float loadA(int m, int k) {
    if (MODE == 0) return a[m * depthK() + k];
    if (MODE == 1) return a[((k / taps()) * p.inC + m) * taps() + k % taps()];
    int pixels = p.outH * p.outW;
    return a[((k / pixels) * p.outC + m) * pixels + k % pixels];
}

float loadB(int k, int col) {
    if (MODE == 0) {
        int pixels = p.outH * p.outW;
        return inputPatch(col / pixels, k / taps(), k % taps(), col % pixels);
    }
    if (MODE == 1) {
        // dy[n, o, oy, ox] where input pixel (iy, ix) is tap t of output pixel (oy, ox).
        int o = k / taps(), t = k % taps(), pixels = p.inH * p.inW, n = col / pixels, q = col % pixels;
        int sy = q / p.inW + p.pad - t / p.kW, sx = q % p.inW + p.pad - t % p.kW;
        if (sy < 0 || sx < 0 || sy % p.stride != 0 || sx % p.stride != 0) return 0.0;
        int oy = sy / p.stride, ox = sx / p.stride;
        return (oy < p.outH && ox < p.outW) ? b[((n * p.outC + o) * p.outH + oy) * p.outW + ox] : 0.0;
    }
    int pixels = p.outH * p.outW;
    return inputPatch(k / pixels, col / taps(), col % taps(), k % pixels);
}

void store(int m, int col, float v) {
    if (MODE == 2) {
        c[(int(gl_WorkGroupID.z) * rowsM() + m) * colsN() + col] = v;
        return;
    }
    if (HAS_BIAS) v += bias[m];
    int pixels = MODE == 0 ? p.outH * p.outW : p.inH * p.inW;
    c[((col / pixels) * rowsM() + m) * pixels + col % pixels] = v;
}

void main() {
    int M = rowsM(), N = colsN(), K = depthK();
    int t = int(gl_LocalInvocationID.x), tx = t % 16, ty = t / 16;
    int row0 = int(gl_WorkGroupID.y) * TILE;
    int k0 = int(gl_WorkGroupID.z) * p.splitK, k1 = min(K, k0 + p.splitK);
    int tiles = (N + TILE - 1) / TILE;
    for (int tile = int(gl_WorkGroupID.x); tile < tiles; tile += int(gl_NumWorkGroups.x)) {
        int col0 = tile * TILE;
        float acc[4][4];
        for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j) acc[i][j] = 0.0;
        for (int kb = k0; kb < k1; kb += DEPTH) {
            for (int e = t; e < TILE * DEPTH; e += 256) {
                // A walks k fastest (weight rows are contiguous in k), B walks columns fastest
                // (neighbouring output pixels read neighbouring input pixels).
                int m = row0 + e / DEPTH, ka = kb + e % DEPTH;
                tileA[e % DEPTH][e / DEPTH] = (m < M && ka < k1) ? loadA(m, ka) : 0.0;
                int col = col0 + e % TILE, kk = kb + e / TILE;
                tileB[e / TILE][e % TILE] = (col < N && kk < k1) ? loadB(kk, col) : 0.0;
            }
            barrier();
            for (int kk = 0; kk < DEPTH; ++kk) {
                float av[4], bv[4];
                for (int i = 0; i < 4; ++i) { av[i] = tileA[kk][ty + 16 * i]; bv[i] = tileB[kk][tx + 16 * i]; }
                for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
            }
            barrier();
        }
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) {
                int m = row0 + ty + 16 * i, col = col0 + tx + 16 * j;
                if (m < M && col < N) store(m, col, acc[i][j]);
            }
        }
    }
}
