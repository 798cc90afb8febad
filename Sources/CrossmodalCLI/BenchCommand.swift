import ArgumentParser
import Foundation
import Numerics

/// `crossmodal bench …`: measure the hot paths on this machine; docs/benchmarks.md records the numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the hot paths: GEMM, encoders, Doc2Vec, training, evaluation.",
        subcommands: [BenchGEMMCommand.self, BenchEncodersCommand.self, BenchDoc2VecCommand.self, BenchTrainingCommand.self, BenchEvaluationCommand.self, BenchFinetuneCommand.self, BenchScaleCommand.self]
    )
}

/// Times `body` `repeats` times and returns the fastest run in seconds.
func fastestTime(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

