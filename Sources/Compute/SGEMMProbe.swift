import Glibc

/// The machine's plain SGEMM rate, the yardstick `ganet-seg bench` compares convolutions with.
public enum SGEMMProbe {
    /// GFLOP/s of the best of `runs` row-major `m x k` times `k x n` products: OpenBLAS's kernel on
    /// every core, split as the backend splits its own products.
    public static func gflops(m: Int, n: Int, k: Int, runs: Int = 5) -> Double {
        let a = [Float](repeating: 0.5, count: m * k)
        let b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0..<runs {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        GEMM.parallel(false, false, m, n, k, a.baseAddress!, k, b.baseAddress!, n, 0, c.baseAddress!, n)
                    }
                }
            }
            clock_gettime(CLOCK_MONOTONIC, &end)
            best = min(best, Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9)
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
}
