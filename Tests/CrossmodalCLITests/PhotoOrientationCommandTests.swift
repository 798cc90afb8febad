import Encoders
import Foundation
import TestSupport
import Testing

/// A phone's sideways JPEG (pixels stored on their side, EXIF orientation 6) is indexed upright: image→image
/// search with the upright photo finds it at a similarity above 0.95, above the same pixels without the tag.
/// WebP, GIF, HEIC and AVIF copies of a picture are indexed and found the same way from its JPEG.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct PhotoOrientationCommandTests {
    @Test func anExifRotatedJPEGIsIndexedUpright() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--text-tower", "mlp", "--text-encoder", "glove-mean", "--weights", "1,1,0,0",
            "--batch-size", "16", "--epochs", "1", "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")

        let images = try FileManager.default.contentsOfDirectory(atPath: data.path("images")).sorted()
        let photos = URL(fileURLWithPath: data.path("photos"))
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        for name in images.suffix(4) {
            try FileManager.default.copyItem(atPath: data.path("images/\(name)"), toPath: photos.appendingPathComponent(name).path)
        }
        // The photo as it stands, and as a phone held upright stores it: turned a quarter anticlockwise, tagged 6.
        let upright = try RGBImage.load(URL(fileURLWithPath: data.path("images/\(images[0])")))
        let stored = upright.oriented(.left)
        try ExifJPEG.inserting(ExifJPEG.segment(orientation: 6), into: try stored.jpegData(quality: 95))
            .write(to: photos.appendingPathComponent("phone.jpg"))
        try stored.jpegData(quality: 95).write(to: photos.appendingPathComponent("sideways-untagged.jpg"))
        try upright.jpegData(quality: 95).write(to: URL(fileURLWithPath: data.path("query.jpg")))
        // The format fixtures (scripts/make_format_fixtures.py): the same picture in four formats and as a HEIC stored
        // sideways with an irot box that turns it upright, queried by an upright JPEG.
        let fixtures = ProgramRun.repository.appendingPathComponent("Tests/EncodersTests/Fixtures")
        for name in ["picture.webp", "picture.gif", "picture.heic", "picture.avif", "rotated.heic"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: photos.appendingPathComponent(name))
        }
        // The queries: each picture as a JPEG. (The picture has 65 colours, so the GIF holds it exactly.)
        try RGBImage.load(fixtures.appendingPathComponent("picture.png")).jpegData(quality: 95).write(to: URL(fileURLWithPath: data.path("picture.jpg")))

        let build = try CommandRunner.run(["index", "build", data.path("run"), photos.path, "--out", data.path("index")])
        try #require(build.status == 0, "\(build.standardError)")
        let search = try CommandRunner.run(["search", data.path("index"), "--image", data.path("query.jpg"), "--images", "-k", "6", "--json"])
        try #require(search.status == 0, "\(search.standardError)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(search.standardOutput.utf8)) as? [String: Any])
        let results = try #require(answer["results"] as? [[String: Any]])
        let scores = Dictionary(uniqueKeysWithValues: results.compactMap { r in (r["id"] as? String).map { ($0, r["score"] as? Double ?? -1) } })
        #expect(results.first?["id"] as? String == "phone.jpg", "\(results)")
        #expect(scores["phone.jpg", default: -1] > 0.95, "\(scores)")
        #expect(scores["phone.jpg", default: -1] > scores["sideways-untagged.jpg", default: 1], "\(scores)")
        /// The similarity of `id` to a query file, by image→image search.
        func similarity(of id: String, to query: String) throws -> Double {
            let search = try CommandRunner.run(["search", data.path("index"), "--image", data.path(query), "--images", "-k", "8", "--json"])
            try #require(search.status == 0, "\(search.standardError)")
            let results = try #require((try JSONSerialization.jsonObject(with: Data(search.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
            // The five copies are the same picture: any may come first, and all before every photo.
            #expect(results.prefix(5).contains { $0["id"] as? String == id }, "\(results)")
            return results.first { $0["id"] as? String == id }?["score"] as? Double ?? -1
        }
        var found: [String: Double] = [:]
        for name in ["picture.webp", "picture.gif", "picture.heic", "picture.avif", "rotated.heic"] {
            found[name] = try similarity(of: name, to: "picture.jpg")
            #expect(found[name, default: -1] > 0.95, "\(name): \(found[name] ?? .nan)")
        }
        print("JPEG query: \(found.sorted { $0.key < $1.key })")
        print("upright query: tagged \(scores["phone.jpg"] ?? .nan), untagged sideways \(scores["sideways-untagged.jpg"] ?? .nan)")
    }
}
