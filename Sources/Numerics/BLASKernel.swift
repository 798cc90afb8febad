import COpenBLAS

#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernels run the GEMMs, and a way out of the generic ones.
///
/// OpenBLAS picks its kernels by CPU model when it loads; a release older than the CPU falls back
/// to SSE3 kernels ("Prescott") that run GEMM at about a third of the AVX-512 speed (measured
/// 32 against 104 GFLOP/s at n = 256, one core). The choice is made before `main`, so the only
/// fix is to set `OPENBLAS_CORETYPE` and start again.
public enum BLASKernel {
    /// The core type whose kernels OpenBLAS uses, such as `SkylakeX` or `Prescott`.
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// The core type to force on this CPU when OpenBLAS fell back to generic kernels, else nil.
    public static var fasterCoreType: String? {
        cm_blas_faster_coretype().map { String(cString: $0) }
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` set when OpenBLAS chose generic kernels on
    /// a CPU with AVX2 or AVX-512 and the user has not set the variable; returns when no restart is
    /// needed or the restart failed (the program then runs on the generic kernels).
    public static func restartWithFasterKernelsIfNeeded() {
        #if canImport(Glibc)
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = fasterCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }
}
