import Encoders
import Foundation
import Numerics
import TensorFiles
import Testing

/// EfficientNet-Lite2 against the public PyTorch implementation (`efficientnet_lite_pytorch`), on the
/// same pixels: `scripts/lite2_reference.sh` (run by `make test`) writes 260×260 PNGs and their outputs.
@Suite struct EfficientNetLite2Tests {
    static var folder: URL { Reference.checkout.appendingPathComponent(".cache/reference/lite2") }

    @Test func matchesThePyTorchImplementation() throws {
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("reference.json")))
            as? [String: Any] ?? [:]
        let names = try #require(info["images"] as? [String], "run scripts/lite2_reference.sh to make the reference")
        let topFive = try #require(info["top5_imagenet_class_indices"] as? [[Int]])
        let expected = try NPYFile.read(Self.folder.appendingPathComponent("features.npy")).matrix()
        let expectedLogits = try NPYFile.read(Self.folder.appendingPathComponent("logits.npy")).matrix()
        #expect(names.count >= 4 && expected.rows == names.count)

        let model = try Reference.models.loadEfficientNet(.lite2)
        #expect(model.inputSize == 260 && model.blockCount == 21)
        let images = try names.map { try RGBImage.load(Self.folder.appendingPathComponent($0)) }
        #expect(images.allSatisfy { $0.width == 260 && $0.height == 260 })
        try Reference.expectParity(model, images: images, names: names, features: expected, logits: expectedLogits, topFive: topFive)
    }

    /// The maps before the last blocks have the shape the tail reads (PipelineTests runs them through it).
    @Test(arguments: [EfficientNetLite.Variant.lite0, .lite2])
    func mapsHaveTheTailsShape(variant: EfficientNetLite.Variant) throws {
        let model = try Reference.models.loadEfficientNet(variant)
        let (blocks, weights) = try model.tail(blocks: 2)
        #expect(blocks.count == 2 && weights["head.weight"]?.columns == 1280)
        let shape = model.mapShape(beforeLast: 2)
        #expect(blocks[0].input == shape.channels)
        let files = try FileManager.default.contentsOfDirectory(atPath: Reference.images.path).sorted().prefix(2)
        let images = try files.map { try RGBImage.load(Reference.images.appendingPathComponent($0)) }
        let maps = model.maps(images, beforeLast: 2)
        #expect(maps.columns == shape.height * shape.width * shape.channels)
        // The mirror's map is not the map mirrored (SAME padding is not symmetric), but has its size.
        let mirrored = model.maps(images.map { $0.mirrored() }, beforeLast: 2)
        #expect(mirrored.columns == maps.columns && mirrored != maps)
        #expect(images[0].mirrored().mirrored() == images[0])
        #expect(throws: EncoderError.self) { try model.tail(blocks: model.blockCount + 1) }
    }
}
