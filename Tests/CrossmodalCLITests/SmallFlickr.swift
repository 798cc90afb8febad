import Foundation
import Testing

/// 120 shared train images and 40 dev images, real photos with their real captions.
struct SmallFlickr {
    let folder: URL

    init() throws {
        let shared = try #require(CommandRunner.sharedFlickr8k)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-train-\(UUID().uuidString)")
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        func ids(_ file: String, _ count: Int) throws -> [String] {
            try String(contentsOf: shared.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").prefix(count).map(String.init)
        }
        let train = try ids("Flickr_8k.trainImages.txt", 120)
        let dev = try ids("Flickr_8k.devImages.txt", 40)
        let wanted = Set(train + dev)
        for id in train + dev {
            try FileManager.default.copyItem(at: shared.appendingPathComponent("images/\(id)"), to: images.appendingPathComponent(id))
        }
        let tokens = try String(contentsOf: shared.appendingPathComponent("Flickr8k.token.txt"), encoding: .utf8)
            .split(separator: "\n").filter { wanted.contains(String($0.split(separator: "#")[0])) }
        try (tokens.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr8k.token.txt"), atomically: true, encoding: .utf8)
        try (train.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr_8k.trainImages.txt"), atomically: true, encoding: .utf8)
        try (dev.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr_8k.devImages.txt"), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// `train` on this data with `options`, into `run/` (features cached in `cache/`).
    func train(_ options: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(["train", folder.path] + options + ["--cache-dir", path("cache"), "--out", path("run")])
    }

    /// One epoch of the triplet-networks preset (separate direction models) over GloVe features, with
    /// towers `width` wide, into `run/`.
    func trainTripletNetworks(width: Int) throws -> CommandRunner.Result {
        try train([
            "--preset", "triplet-networks", "--text-encoder", "glove-mean", "--hidden", "\(width)", "--embedding-dimension", "\(width)",
            "--epochs", "1",
        ])
    }
    func remove() { try? FileManager.default.removeItem(at: folder) }
}
