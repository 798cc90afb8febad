import Foundation
import Testing

@Suite struct BenchCommandTests {
    @Test func gemmRunsOnTheCPUsVectorKernels() throws {
        let result = try CommandRunner.run(["bench", "gemm", "--sizes", "64", "--threads", "1"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("GFLOP/s"))
        let prefix = "OpenBLAS kernels: "
        let line = try #require(result.standardOutput.split(separator: "\n").first { $0.hasPrefix(prefix) })
        let core = line.dropFirst(prefix.count).lowercased()
        // On a CPU with AVX2, OpenBLAS's SSE3 fallback is what the start-up restart exists to avoid.
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpu.contains(" avx2"), ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(core != "prescott")
        }
    }
}
