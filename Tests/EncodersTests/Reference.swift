import Encoders
import Foundation
import Numerics
import Testing

/// Paths of the shared reference outputs and of the models unpacked by `make setup`.
enum Reference {
    static var checkout: URL {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        return folder
    }

    static var shared: URL { checkout.deletingLastPathComponent().appendingPathComponent("shared") }
    static var referenceFolder: URL { shared.appendingPathComponent("reference") }
    static var images: URL { shared.appendingPathComponent("flickr8k/images") }
    static var models: ModelStore { ModelStore(folder: checkout.appendingPathComponent(".cache/models")) }

    static var available: Bool { FileManager.default.fileExists(atPath: referenceFolder.path) }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: referenceFolder.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Checks a network's features (≤ 1e-3) and logits (≤ 1e-2) against reference outputs, and that each
    /// image's top-5 ImageNet classes are the reference's.
    static func expectParity(
        _ model: EfficientNetLite, images: [RGBImage], names: [String], features expected: Matrix, logits expectedLogits: Matrix,
        topFive: [[Int]]
    ) throws {
        let features = model.features(images)
        #expect(features.rows == names.count && features.columns == 1280)
        let maxError = zip(features.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(maxError <= 1e-3, "max abs error \(maxError)")
        let logits = try model.logits(features: features)
        let logitError = zip(logits.values, expectedLogits.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(logitError <= 1e-2, "max abs logit error \(logitError)")
        for (row, classes) in logits.topKPerRow(k: 5).enumerated() {
            #expect(classes.map(\.index) == topFive[row], "image \(names[row])")
        }
    }
}
