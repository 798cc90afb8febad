import ArgumentParser
import Foundation
import Numerics
import Pipeline
import Training

/// `crossmodal bench finetune`: images/s of one training step through the image network's last blocks.
struct BenchFinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Images/s of a fine-tuning step: the last N blocks and the head forward, backward and Adam.",
        discussion: """
            Runs on maps of random values in ReLU6's range, of the shape the network's last blocks read, with
            the pretrained weights. scripts/bench_pytorch_finetune.py does the same step in PyTorch.
            """)

    @Option(help: "Image encoder.") var imageEncoder: ImageEncoderName = .efficientnetLite0
    @Option(help: "Blocks from the end that train, with the head.") var blocks = 2
    @Option(help: "Images per step.") var batchSize = 32
    @Option(help: "Timed steps (after one untimed).") var steps = 20
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        let network = try modelOptions.store().loadEfficientNet(imageEncoder.variant)
        let (architecture, weights) = try network.finetuningTail(blocks: blocks)
        let map = (height: architecture.height, width: architecture.width, channels: architecture.channels)
        let tail = try ImageNetworkTail(name: "image.network", architecture: architecture, weights: weights)
        let optimizer = AdamOptimizer(learningRate: 1e-5, weightDecay: 0)
        var generator = SeededGenerator(seed: 1)
        var input = Matrix(rows: batchSize, columns: architecture.inputWidth)
        for i in input.values.indices { input.values[i] = 6 * generator.uniformFloat() }
        var gradient = Matrix(rows: batchSize, columns: 1280)
        for i in gradient.values.indices { gradient.values[i] = generator.normal() / Float(batchSize) }
        func step() throws {
            for parameter in tail.parameters { parameter.zeroGradient() }
            _ = try tail.forward(input, training: true, generator: &generator)
            _ = try tail.backward(gradient)
            optimizer.update(tail.parameters)
        }
        try BLASThreads.with(1) {
            try step()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<max(1, steps) { try step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rate = Double(max(1, steps) * batchSize) / seconds
            print(String(
                format: "%@, last %d blocks and head on %d×%d×%d maps, batch %d: %.1f images/s (%.1f ms per step; 30,000 images in %.0f s)",
                imageEncoder.rawValue, blocks, map.height, map.width, map.channels, batchSize, rate, 1000 * seconds / Double(max(1, steps)),
                30_000 / rate))
        }
    }
}
