import Encoders
import Foundation
import Testing
import TensorFiles

/// `train --finetune-blocks`: 0 is today's run bit for bit; a fine-tuned run keeps its own image-network
/// weights, and evaluate, index build and search use them (and the maps they read), not the pretrained features.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil)) struct FinetuneCommandTests {
    @Test func zeroBlocksTrainsBitIdentically() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let base = [
            "train", data.folder.path, "--preset", "infonce", "--text-tower", "mlp", "--text-encoder", "glove-mean",
            "--epochs", "2", "--cache-dir", data.path("cache"),
        ]
        let plain = try CommandRunner.run(base + ["--out", data.path("plain")])
        try #require(plain.status == 0, "\(plain.standardError)")
        let zero = try CommandRunner.run(base + ["--out", data.path("zero"), "--finetune-blocks", "0"])
        try #require(zero.status == 0, "\(zero.standardError)")
        for file in ["best.safetensors", "last.safetensors", "config.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: data.path("plain/\(file)"))) == Data(contentsOf: URL(fileURLWithPath: data.path("zero/\(file)"))), "\(file)")
        }
    }

    @Test func aFinetunedRunServesItsOwnWeights() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try CommandRunner.run([
            "train", data.folder.path, "--preset", "infonce", "--text-tower", "mlp", "--text-encoder", "glove-mean",
            "--batch-size", "16", "--epochs", "2", "--finetune-blocks", "1", "--finetune-learning-rate", "1e-3",
            "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("image maps in memory: 160 images × 7×7×192 (training images twice, with mirrors)"), "\(train.standardOutput)")
        let config = try String(contentsOfFile: data.path("run/config.json"), encoding: .utf8)
        #expect(config.contains("\"imageFinetuning\"") && config.contains("\"headOutput\" : 1280"))

        // The checkpoint holds the trained block, moved away from the pretrained weights it started from.
        let checkpoint = try SafetensorsFile.read(URL(fileURLWithPath: data.path("run/best.safetensors")))
        let trained = try #require(checkpoint.tensors["param.image.network.b0.expand.weight"]).floatValues()
        let pretrained = try ModelStore(folder: CommandRunner.repository.appendingPathComponent(".cache/models"))
            .loadEfficientNet(.lite0).tail(blocks: 1).weights["b0.expand.weight"]
        #expect(trained.count == pretrained?.values.count && trained != pretrained?.values)

        // evaluate on dev reproduces the best epoch's validation recalls: the same maps through the same weights.
        let log = try String(contentsOfFile: data.path("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let best = try #require(log.last(where: { $0["best"] as? Bool == true })?["rsum"] as? Double)
        let evaluation = try CommandRunner.run(["evaluate", data.path("run"), data.folder.path, "--split", "dev", "--json", "--cache-dir", data.path("cache")])
        try #require(evaluation.status == 0, "\(evaluation.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.standardOutput.utf8)) as? [String: Any])
        let retrieval = try #require(summary["retrieval"] as? [String: Any])
        let rsum = try #require(retrieval["rsum"] as? Double)
        #expect(abs(rsum - best) < 1e-6, "evaluate rsum \(rsum), training's best \(best)")

        // An index of dev: a dev photo as the query finds itself first, embedded by the fine-tuned network.
        let index = try CommandRunner.run(["index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache")])
        try #require(index.status == 0, "\(index.standardError)")
        let dev = try String(contentsOf: data.folder.appendingPathComponent("Flickr_8k.devImages.txt"), encoding: .utf8).split(separator: "\n")
        let query = data.folder.appendingPathComponent("images/\(dev[3])").path
        let search = try CommandRunner.run(["search", data.path("index"), "--image", query, "--images", "-k", "1", "--json"])
        try #require(search.status == 0, "\(search.standardError)")
        let results = try #require((try JSONSerialization.jsonObject(with: Data(search.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.first?["id"] as? String == String(dev[3]))
        #expect(abs((results.first?["score"] as? Double ?? 0) - 1) < 1e-3, "\(search.standardOutput)")

        // The cache holds maps for this run, never pooled features: nothing pretrained was computed.
        let entries = try FileManager.default.contentsOfDirectory(atPath: data.path("cache")).filter { $0.hasPrefix("images-") && $0.hasSuffix(".npy") }
        let widths = try entries.map { try NPYFile.read(URL(fileURLWithPath: data.path("cache/\($0)"))).shape.last ?? 0 }
        #expect(Set(widths) == [7 * 7 * 192, 2 * 7 * 7 * 192], "\(widths)")
    }

    /// A Lite2 run: features of 260×260 images, and every later command reads the encoder from the run.
    @Test func aLite2RunEmbedsItsQueriesWithLite2() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let embed = try CommandRunner.run([
            "embed", "images", data.folder.path, "--split", "dev", "--encoder", "efficientnet-lite2", "--out", data.path("dev.npy"),
            "--cache-dir", data.path("cache"),
        ])
        try #require(embed.status == 0, "\(embed.standardError)")
        #expect(embed.standardOutput.contains("40 × 1280 efficientnet-lite2 image features"), "\(embed.standardOutput)")
        let train = try CommandRunner.run([
            "train", data.folder.path, "--preset", "infonce", "--text-tower", "mlp", "--text-encoder", "glove-mean",
            "--image-encoder", "efficientnet-lite2", "--epochs", "1", "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")
        let index = try CommandRunner.run(["index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache")])
        try #require(index.status == 0, "\(index.standardError)")
        let dev = try String(contentsOf: data.folder.appendingPathComponent("Flickr_8k.devImages.txt"), encoding: .utf8).split(separator: "\n")
        let search = try CommandRunner.run(["search", data.path("index"), "--image", data.folder.appendingPathComponent("images/\(dev[5])").path, "--images", "-k", "1", "--json"])
        try #require(search.status == 0, "\(search.standardError)")
        let results = try #require((try JSONSerialization.jsonObject(with: Data(search.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        // The query is embedded exactly as the gallery was: with Lite2, not Lite0.
        #expect(results.first?["id"] as? String == String(dev[5]))
        #expect(abs((results.first?["score"] as? Double ?? 0) - 1) < 1e-3, "\(search.standardOutput)")
    }
}
