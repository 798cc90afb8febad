import Encoders
import Foundation

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
}
