import ArgumentParser
import Evaluation
import Foundation
import Pipeline
import Numerics

/// `crossmodal bench evaluation`: exact retrieval metrics on synthetic embeddings, beside one plain GEMM.
struct BenchEvaluationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluation",
        abstract: "Time a full evaluation (both directions, all metrics) against one GEMM of the same size; report peak memory.")

    @Option(help: "Images in the gallery.") var images = 5_000
    @Option(help: "Captions per image.") var captionsPerImage = 5
    @Option(help: "Embedding width.") var dimension = 256
    @Option(help: "MiB of scores held at once.") var memoryBudget = 64
    @Option(help: "Norm of the noise added to an image to make each of its captions (the image has norm 1).") var noise: Float = 4
    @Option(help: "Random seed of the synthetic embeddings.") var seed: UInt64 = 1

    func run() throws {
        let captions = images * captionsPerImage
        var generator = SeededGenerator(seed: seed)
        var imageEmbeddings = Matrix(rows: images, columns: dimension)
        for i in imageEmbeddings.values.indices { imageEmbeddings.values[i] = generator.normal() }
        _ = imageEmbeddings.normalizeRows()
        // Each caption is its image plus noise, so that ranks spread out.
        var textEmbeddings = Matrix(rows: captions, columns: dimension)
        let captionImage = (0..<captions).map { $0 / captionsPerImage }
        for c in 0..<captions {
            for j in 0..<dimension {
                textEmbeddings[c, j] = imageEmbeddings[captionImage[c], j] + generator.normal(standardDeviation: noise / Float(dimension).squareRoot())
            }
        }
        _ = textEmbeddings.normalizeRows()
        // The evaluation runs first, so that the peak it leaves is its own, not the plain GEMM's output.
        let residentBefore = residentMiB()
        var report: RetrievalReport?
        let evaluation = try fastestTime(repeats: 3) {
            report = try RetrievalReport.evaluate(
                images: imageEmbeddings, texts: textEmbeddings, captionImage: captionImage, memoryBudget: memoryBudget << 20)
        }
        let peakEvaluation = peakMiB()
        var scores = Matrix(rows: captions, columns: images)
        let gemm = try fastestTime(repeats: 3) {
            try Matrix.gemm(textEmbeddings, imageEmbeddings, transposeB: .transposed, into: &scores)
        }
        let peakGEMM = peakMiB()
        let flop = 2 * Double(captions) * Double(images) * Double(dimension)
        print("\(grouped(captions)) captions × \(grouped(images)) images × \(dimension)-d, \(BLASThreads.current) BLAS thread(s)")
        print(TextTable.render([
            ["work", "seconds", "GFLOP/s (of one GEMM's work)"],
            ["one GEMM (captions × images)", String(format: "%.3f", gemm), String(format: "%.1f", flop / gemm / 1e9)],
            ["full evaluation, both directions", String(format: "%.3f", evaluation), String(format: "%.1f", flop / evaluation / 1e9)],
        ], rightAligned: [1, 2]).joined(separator: "\n"))
        print(String(format: "memory: embeddings in place %.0f MiB resident; peak during the evaluation %.0f MiB (score budget %d MiB); peak after the plain GEMM %.0f MiB (its %.0f MiB output)",
                     residentBefore, peakEvaluation, memoryBudget, peakGEMM, Double(captions * images * 4) / 1_048_576))
        if let report { print(String(format: "rsum %.1f (i2t R@1 %.1f, t2i R@1 %.1f)", report.rsum, report.imageToText.recallAt1, report.textToImage.recallAt1)) }
    }
}

/// The process's resident memory now, in MiB (Linux /proc; 0 elsewhere).
func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kib / 1024
}

/// The process's peak resident memory so far, in MiB.
func peakMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
