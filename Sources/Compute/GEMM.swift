import Platform
import COpenBLAS

/// Row-major SGEMM through OpenBLAS, `C = A * B + beta * C` with optional transposes.
///
/// OpenBLAS runs single-threaded (set before the first product); `parallel` splits a product
/// across the cores itself. With OpenBLAS's own threads, its workers spin between calls against the
/// backend's other loops (measured: 16% of a Winograd U-Net pass in sched_yield), and many small
/// GEMMs pay its per-call thread hand-off.
enum GEMM {
    /// Products below this many multiply-adds run on the calling thread.
    static let minParallelWork = 1 << 20

    /// OpenBLAS's thread count is process-wide; set once, before the first product.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// The product on the calling thread.
    static func serial(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                       _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                       _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The product split across the cores by rows or columns of `C` (the longer side).
    static func parallel(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int,
                         _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let pieces = min(Parallel.coreCount, max(m, n))
        guard pieces > 1, m * n * k >= minParallelWork else {
            return serial(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
        }
        let byRows = m >= n
        let extent = byRows ? m : n, size = (extent + pieces - 1) / pieces
        Parallel.forEach(pieces, work: Int.max) { piece in
            let lower = piece * size, count = min(extent, lower + size) - lower
            guard count > 0 else { return }
            if byRows {
                serial(transA, transB, count, n, k, a + (transA ? lower : lower * lda), lda, b, ldb,
                       beta, c + lower * ldc, ldc)
            } else {
                serial(transA, transB, m, count, k, a, lda, b + (transB ? lower * ldb : lower), ldb,
                       beta, c + lower, ldc)
            }
        }
    }
}
