import ArgumentParser
import Foundation
import Numerics

/// `crossmodal bench gemm`: single-precision GEMM GFLOP/s through OpenBLAS.
struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "GEMM GFLOP/s for square sizes.")

    @Option(help: "Matrix sizes to time.")
    var sizes: [Int] = [256, 1024, 2048]

    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads { BLASThreads.set(threads) }
        var generator = SeededGenerator(seed: 1)
        var rows = [["size", "threads", "seconds", "GFLOP/s"]]
        for n in sizes {
            var a = Matrix(rows: n, columns: n)
            for i in a.values.indices { a.values[i] = generator.uniformFloat() }
            var c = Matrix(rows: n, columns: n)
            let seconds = try fastestTime(repeats: 5) { try Matrix.gemm(a, a, into: &c) }
            rows.append(["\(n)", "\(BLASThreads.current)", String(format: "%.4f", seconds), String(format: "%.1f", 2 * pow(Double(n), 3) / seconds / 1e9)])
        }
        print("OpenBLAS kernels: \(BLASKernel.coreName)")
        print(TextTable.render(rows, rightAligned: [0, 1, 2, 3]).joined(separator: "\n"))
    }
}
