import Foundation
import Search
import Testing

/// Files a build cannot take are counted by reason, and a folder of nothing else ends with an error, not an
/// empty gallery that looks like success.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct SkippedPhotosCommandTests {
    @Test func skippedFilesAreCountedByReasonAndAFolderOfNothingElseFails() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let manager = FileManager.default

        // A camera's folder: raw photos (their content does not matter: they are known by the ending) and a note.
        let phone = URL(fileURLWithPath: fixture.path("phone"))
        try manager.createDirectory(at: phone.appendingPathComponent("2024"), withIntermediateDirectories: true)
        for name in ["IMG_0001.DNG", "IMG_0002.dng", "2024/IMG_0003.NEF"] {
            try Data("ftypheic".utf8).write(to: phone.appendingPathComponent(name))
        }
        try Data("notes".utf8).write(to: phone.appendingPathComponent("notes.txt"))
        let heic = try CommandRunner.expectFailure(["index", "build", fixture.path("run"), phone.path, "--out", fixture.path("phone-index")], saying: "no photo from \(phone.path) could be indexed; skipped 3 raw (not read yet)")
        #expect(heic.standardError.contains("convert them to JPEG"), "\(heic.standardError)")
        #expect(!manager.fileExists(atPath: fixture.path("phone-index")), "a failed build leaves --out as it was")

        // Photos that all fail to decode: the counts, then an error.
        let broken = URL(fileURLWithPath: fixture.path("broken"))
        try manager.createDirectory(at: broken, withIntermediateDirectories: true)
        for name in ["a.jpg", "b.png"] { try Data("not a photo".utf8).write(to: broken.appendingPathComponent(name)) }
        let unreadable = try CommandRunner.run(["index", "build", fixture.path("run"), broken.path, "--out", fixture.path("broken-index")])
        #expect(unreadable.status != 0)
        #expect(unreadable.standardOutput.contains("skipped: 2 unreadable"), "\(unreadable.standardOutput)")
        #expect(unreadable.standardError.contains("no photo from \(broken.path) could be indexed; skipped 2 unreadable"), "\(unreadable.standardError)")

        // A mixed folder builds, and says what it passed over and why.
        let mixed = URL(fileURLWithPath: fixture.path("mixed"))
        try manager.createDirectory(at: mixed, withIntermediateDirectories: true)
        for photo in fixture.photos.prefix(2) { try manager.copyItem(at: photo, to: mixed.appendingPathComponent(photo.lastPathComponent)) }
        for name in ["clip.bmp", "scan.tiff", "shot.DNG", "other.cr2"] { try Data("x".utf8).write(to: mixed.appendingPathComponent(name)) }
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), mixed.path, "--out", fixture.path("mixed-index")])
        try #require(build.status == 0, "\(build.standardError)")
        #expect(build.standardOutput.contains("2 added, 0 changed, 0 unchanged, 0 removed, 4 skipped"), "\(build.standardOutput)")
        #expect(build.standardOutput.contains("skipped: 2 raw (not read yet), 1 BMP (not read yet), 1 TIFF (not read yet)"), "\(build.standardOutput)")
        #expect(try GalleryIndex(folder: URL(fileURLWithPath: fixture.path("mixed-index"))).catalog.liveImageCount == 2)

        // `index add` of a file it cannot take fails too, and the gallery keeps what it had.
        try CommandRunner.expectFailure(["index", "add", fixture.path("mixed-index"), mixed.appendingPathComponent("shot.DNG").path], saying: "skipped 1 raw (not read yet)")
        #expect(try GalleryIndex(folder: URL(fileURLWithPath: fixture.path("mixed-index"))).catalog.liveImageCount == 2)
    }
}
