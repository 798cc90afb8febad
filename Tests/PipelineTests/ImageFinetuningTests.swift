import Encoders
import Foundation
import Numerics
import Pipeline
import Testing
import Training

/// The pieces of a fine-tuning run fit together: the maps the encoder caches, run through a tail built
/// from the same network's last blocks, give that network's own features; and `--finetune-blocks 0`
/// is today's frozen configuration.
@Suite struct ImageFinetuningTests {
    static var checkout: URL {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        return folder
    }

    static var models: ModelStore { ModelStore(folder: checkout.appendingPathComponent(".cache/models")) }
    static var images: URL { checkout.deletingLastPathComponent().appendingPathComponent("shared/flickr8k/images") }

    @Test(arguments: [EfficientNetLite.Variant.lite0, .lite2], [1, 2, 3])
    func mapsThroughTheTailAreTheFeatures(variant: EfficientNetLite.Variant, blocks: Int) throws {
        let network = try Self.models.loadEfficientNet(variant)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.images.path).sorted().prefix(3)
        let images = try files.map { try RGBImage.load(Self.images.appendingPathComponent($0)) }
        let (architecture, weights) = try network.finetuningTail(blocks: blocks)
        #expect(architecture.channels == network.mapShape(beforeLast: blocks).channels)
        let tail = try ImageNetworkTail(name: "image.network", architecture: architecture, weights: weights)
        var generator = SeededGenerator(seed: 1)
        let viaTail = try tail.forward(network.maps(images, beforeLast: blocks), training: false, generator: &generator)
        let whole = network.features(images)
        let error = zip(viaTail.values, whole.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(viaTail.rows == 3 && error <= 1e-4, "max abs difference \(error)")
    }

    @Test func zeroBlocksIsTheFrozenConfiguration() throws {
        for preset in TrainingPreset.allCases {
            var zero = preset.recipe
            try zero.useFinetuning(blocks: 0, learningRate: nil, flip: nil)
            #expect(zero == preset.recipe && zero.training.imageFinetuning == nil)
        }
        var two = TrainingPreset.vsepp.recipe
        try two.useFinetuning(blocks: 2, learningRate: nil, flip: nil)
        #expect(two.training.imageFinetuning == ImageFinetuning(blocks: 2, learningRate: 1e-5, flip: true))
        // The settings of fine-tuning alone, or a negative count, are refused with the option to fix.
        var stray = TrainingPreset.vsepp.recipe
        #expect(throws: TrainingError.self) { try stray.useFinetuning(blocks: nil, learningRate: 1e-4, flip: nil) }
        #expect(throws: TrainingError.self) { try stray.useFinetuning(blocks: -1, learningRate: nil, flip: nil) }
        try stray.useFinetuning(blocks: nil, learningRate: nil, flip: nil)
        #expect(stray == TrainingPreset.vsepp.recipe)
    }
}
