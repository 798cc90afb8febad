import Encoders
import Foundation
import Numerics
import TensorFiles
import Testing

@Suite(.enabled(if: Reference.available)) struct EfficientNetLite0Tests {
    @Test func matchesReferenceFeaturesAndTopFiveClasses() throws {
        let info = try Reference.json("efficientnet_lite0_images.json")
        let ids = try #require(info["images"] as? [String])
        let topFive = try #require(info["top5_imagenet_class_indices"] as? [[Int]])
        let expected = try NPYFile.read(Reference.referenceFolder.appendingPathComponent("efficientnet_lite0_features.npy")).matrix()
        let expectedLogits = try NPYFile.read(Reference.referenceFolder.appendingPathComponent("efficientnet_lite0_logits.npy")).matrix()

        let model = try EfficientNetLite(weightsFile: Reference.models.require(Reference.models.efficientNetLite0, model: "EfficientNet-Lite0"))
        let images = try ids.map { try RGBImage.load(Reference.images.appendingPathComponent($0)) }
        try Reference.expectParity(model, images: images, names: ids, features: expected, logits: expectedLogits, topFive: topFive)
    }

    @Test func batchAndSingleImagesAgree() throws {
        let model = try EfficientNetLite(weightsFile: Reference.models.efficientNetLite0)
        let files = try FileManager.default.contentsOfDirectory(atPath: Reference.images.path).sorted().prefix(3)
        let images = try files.map { try RGBImage.load(Reference.images.appendingPathComponent($0)) }
        let batch = model.features(images)
        let single = model.features([images[1]])
        #expect(zip(batch.row(1), single.row(0)).allSatisfy { abs($0 - $1) < 1e-4 })
    }
}
