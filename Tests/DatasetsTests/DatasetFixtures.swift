import Foundation

/// Small datasets written to a temporary folder, with known problems planted in them.
struct DatasetFixture {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("images"), withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    func touchImages(_ names: [String], folder: String = "images") throws {
        for name in names { try write("\(folder)/\(name)", "not really a jpeg") }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// The shared Flickr8k folder beside the checkout, if present.
    static var sharedFlickr8k: URL? {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        let shared = folder.deletingLastPathComponent().appendingPathComponent("shared/flickr8k")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }
}
