import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil)) struct Doc2VecAndNeighborsCommandTests {
    /// The captions of the first 60 shared train images, with placeholder image files (Doc2Vec reads only text).
    struct CaptionsOnly {
        let folder: URL

        init() throws {
            let shared = try #require(CommandRunner.sharedFlickr8k)
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-d2v-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
            let train = try String(contentsOf: shared.appendingPathComponent("Flickr_8k.trainImages.txt"), encoding: .utf8)
                .split(separator: "\n").prefix(60).map(String.init)
            let wanted = Set(train)
            let tokens = try String(contentsOf: shared.appendingPathComponent("Flickr8k.token.txt"), encoding: .utf8)
                .split(separator: "\n").filter { wanted.contains(String($0.split(separator: "#")[0])) }
            for id in train { try Data().write(to: folder.appendingPathComponent("images/\(id)")) }
            try (tokens.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr8k.token.txt"), atomically: true, encoding: .utf8)
            try (train.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr_8k.trainImages.txt"), atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func trainInferAndNeighbours() throws {
        let data = try CaptionsOnly()
        defer { data.remove() }
        let train = ["doc2vec", "train", data.folder.path, "--split", "train", "--min-count", "1", "--epochs", "10", "--vector-size", "32"]
        let first = try CommandRunner.run(train + ["--out", data.path("d2v-a")])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("trained pv-dbow on 300 captions"))
        let second = try CommandRunner.run(train + ["--out", data.path("d2v-b")])
        #expect(second.status == 0)
        // One worker and the same seed: byte-identical vectors.
        let a = try Data(contentsOf: URL(fileURLWithPath: data.path("d2v-a/document_vectors.npy")))
        let b = try Data(contentsOf: URL(fileURLWithPath: data.path("d2v-b/document_vectors.npy")))
        #expect(a == b)

        let infer = try CommandRunner.run(["doc2vec", "infer", data.path("d2v-a"), "--text", "A black dog runs on the grass", "--json"])
        #expect(infer.status == 0, "\(infer.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(infer.standardOutput.utf8)) as? [String: Any])
        #expect((object["vector"] as? [Double])?.count == 32)
        #expect(object["tokens"] as? [String] == ["black", "dog", "runs", "grass"])
        #expect((object["similar"] as? [[String: Any]])?.count == 5)

        let neighbours = try CommandRunner.run([
            "neighbors", "--doc2vec", data.path("d2v-a"), "--k", "7", "--out", data.path("nn.safetensors"), "--same-image-rate", "4",
        ])
        #expect(neighbours.status == 0, "\(neighbours.standardError)")
        #expect(neighbours.standardOutput.contains("same-image share of the 4 nearest"))
        let shape = try NumPyOracleShape.safetensors(data.path("nn.safetensors"), tensor: "indices")
        #expect(shape == [300, 7])
        let ids = try String(contentsOfFile: data.path("nn.ids.txt"), encoding: .utf8).split(separator: "\n")
        #expect(ids.count == 300 && ids[0].contains("#0"))
    }
}

/// Reads a tensor's shape from a safetensors header with Python's json module.
enum NumPyOracleShape {
    static func safetensors(_ path: String, tensor: String) throws -> [Int] {
        let output = try CommandRunner.runProgram([
            "python3", "-c",
            "import sys, json, struct; f = open(sys.argv[1], 'rb'); n = struct.unpack('<Q', f.read(8))[0]; print(' '.join(map(str, json.loads(f.read(n))[sys.argv[2]]['shape'])))",
            path, tensor,
        ]).standardOutput
        return output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
