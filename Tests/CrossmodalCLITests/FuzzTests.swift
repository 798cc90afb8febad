import Encoders
import Foundation
import TestSupport
import Testing

/// Hostile files for every loader, made by `scripts/make_hostile_files.py` from valid artefacts: each
/// command must exit with status 1 (never a signal, never past a 4 GiB address-space ceiling) with a
/// message naming the file, and leave the files it was given as they were.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: ProgramRun.repository.appendingPathComponent(".cache/models/glove-6b-50d.vectors.npy").path),
                "needs the weights of make setup"), .serialized)
struct FuzzTests {
    /// The address-space ceiling each command runs under (`ulimit -v`, KiB).
    static let memoryCeilingKiB = 4 << 20

    struct Case: Decodable {
        let name: String
        let argv: [String]
        let names: [String]
    }

    static func crossmodal(_ arguments: [String]) throws -> ProgramRun {
        let result = try CommandRunner.run(arguments)
        try #require(result.status == 0, "crossmodal \(arguments.joined(separator: " ")): \(result.standardError)")
        return result
    }

    /// The valid artefacts the cases are made from.
    static func makeBase(_ base: URL) throws {
        let script = ProgramRun.repository.appendingPathComponent("scripts/make_hostile_files.py").path
        try #require(try CommandRunner.runProgram(["python3", script, "dataset", base.appendingPathComponent("data").path]).status == 0)
        let data = base.appendingPathComponent("data/pairs.jsonl").path
        let cache = base.appendingPathComponent("cache").path
        func path(_ name: String) -> String { base.appendingPathComponent(name).path }
        _ = try crossmodal([
            "train", data, "--preset", "thomas2020", "--text-tower", "mlp", "--text-encoder", "glove-mean", "--weights", "1,1,0,0",
            "--batch-size", "8", "--epochs", "1", "--cache-dir", cache, "--out", path("run"),
        ])
        _ = try crossmodal(["index", "build", path("run"), data, "--split", "train", "--out", path("index"), "--hnsw", "--cache-dir", cache])
        _ = try crossmodal(["doc2vec", "train", data, "--split", "train", "--min-count", "1", "--epochs", "5", "--out", path("d2v")])
        _ = try crossmodal(["neighbors", "--doc2vec", path("d2v"), "--k", "5", "--out", path("nn.safetensors")])
        _ = try crossmodal(["embed", "texts", data, "--split", "train", "--encoder", "glove-mean", "--out", path("vec.npy"), "--cache-dir", cache])
        var pixels = [UInt8](repeating: 0, count: 96 * 64 * 3)
        for i in pixels.indices { pixels[i] = UInt8((i * 7) % 256) }
        try RGBImage(width: 96, height: 64, pixels: pixels).jpegData(quality: 90).write(to: base.appendingPathComponent("photo.jpg"))
    }

    /// Every regular file below `folder` with its bytes.
    static func snapshot(_ folder: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return files }
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            files[url.path] = try? Data(contentsOf: url)
        }
        return files
    }

    @Test func everyLoaderRefusesHostileFilesCleanly() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let base = work.appendingPathComponent("base"), casesFolder = work.appendingPathComponent("cases")
        try Self.makeBase(base)
        let script = ProgramRun.repository.appendingPathComponent("scripts/make_hostile_files.py").path
        let made = try CommandRunner.runProgram(["python3", script, "cases", base.path, casesFolder.path])
        try #require(made.status == 0, "\(made.standardError)")
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: casesFolder.appendingPathComponent("cases.json")))
        #expect(cases.count >= 50)
        let baseBefore = Self.snapshot(base.appendingPathComponent("index"))
        for item in cases {
            let out = work.appendingPathComponent("out-\(item.name)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let argv = item.argv.map { $0.replacingOccurrences(of: "{base}", with: base.path).replacingOccurrences(of: "{out}", with: out.path) }
            let caseFolder = casesFolder.appendingPathComponent(item.name.components(separatedBy: ".").first!.replacingOccurrences(of: ".", with: "_"))
            let before = Self.snapshot(casesFolder)
            let result = try ProgramRun.onPath([
                "timeout", "120", "bash", "-c", "ulimit -v \(Self.memoryCeilingKiB); exec \"$0\" \"$@\"", CommandRunner.executable.path,
            ] + argv)
            #expect(result.status == 1, "\(item.name): status \(result.status): \(result.standardError.suffix(600))")
            #expect(item.names.contains { result.standardError.contains($0) }, "\(item.name): the message does not name \(item.names): \(result.standardError.suffix(600))")
            #expect(!result.standardError.contains("Fatal error"), "\(item.name): \(result.standardError.suffix(600))")
            #expect(Self.snapshot(casesFolder) == before, "\(item.name) changed files it was given (\(caseFolder.lastPathComponent))")
        }
        #expect(Self.snapshot(base.appendingPathComponent("index")) == baseBefore)

        // An EXIF block that lies in front of a whole picture: the photo is read, as stored.
        let photo = try Data(contentsOf: base.appendingPathComponent("photo.jpg"))
        let lies = [
            ExifJPEG.segment(orientation: 6, directoryOffset: 0xFFFF_FFF0), ExifJPEG.segment(orientation: 6, entryCount: 0xFFFF),
            ExifJPEG.segment(orientation: 77), [0xFF, 0xE1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0, 0],
        ]
        for (number, lie) in lies.enumerated() {
            let file = work.appendingPathComponent("exif-\(number).jpg")
            try ExifJPEG.inserting(lie, into: photo).write(to: file)
            let result = try ProgramRun.onPath([
                "timeout", "120", "bash", "-c", "ulimit -v \(Self.memoryCeilingKiB); exec \"$0\" \"$@\"", CommandRunner.executable.path,
                "search", base.appendingPathComponent("index").path, "--image", file.path, "--images", "-k", "1",
            ])
            #expect(result.status == 0, "EXIF lie \(number): \(result.standardError.suffix(600))")
        }
    }
}
