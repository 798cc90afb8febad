import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil)) struct TrainCommandTests {
    func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func shortTrainingLearnsAndResumes() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let base = [
            "train", data.folder.path, "--preset", "thomas2020-tuned", "--batch-size", "16", "--learning-rate", "1e-3",
            "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ]
        // Two epochs, then a resume to four, as after an interruption.
        let first = try CommandRunner.run(base + ["--epochs", "4", "--stop-after", "2"])
        #expect(first.status == 0, "\(first.standardError)")
        // The GRU starts from the Doc2Vec word vectors, so train's own model trains them.
        #expect(first.standardOutput.contains("Doc2Vec (captions preset, pv-dbow with word training, min_count 2) on 600 train captions"))
        let resumed = try CommandRunner.run(base + ["--epochs", "4", "--resume"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let log = try records(data.path("run/metrics.jsonl"))
        #expect(log.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
        let losses = log.compactMap { $0["trainLoss"] as? Double }
        #expect(losses.last! < losses.first!)
        // Chance rsum on 40 images with 5 captions each is about 100.
        let best = log.compactMap { $0["rsum"] as? Double }.max()!
        #expect(best > 150, "best rsum \(best)")
        for file in ["config.json", "best.safetensors", "last.safetensors", "neighbors.safetensors", "doc2vec/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: data.path("run/\(file)")), "\(file)")
        }
    }

    @Test func mlpTextTowerOnGloVe() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let result = try CommandRunner.run([
            "train", data.folder.path, "--preset", "infonce", "--text-tower", "mlp", "--text-encoder", "glove-mean",
            "--epochs", "2", "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let config = try String(contentsOfFile: data.path("run/config.json"), encoding: .utf8)
        #expect(config.contains("\"textEncoder\" : \"glove-mean\""))
        #expect(try records(data.path("run/metrics.jsonl")).count == 2)
    }

    @Test func tripletNetworksTrainSeparateDirections() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let result = try data.trainTripletNetworks(width: 64)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("best: image→text R@1/5/10"))
        #expect(result.standardOutput.contains("  spread "))  // each epoch's images/texts spread
        for direction in ["image-to-text", "text-to-image"] {
            #expect(FileManager.default.fileExists(atPath: data.path("run/\(direction)/best.safetensors")))
        }
    }

    @Test func badOutputDropoutIsAClearError() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        try CommandRunner.expectFailure(["train", data.folder.path, "--out", data.path("run"), "--output-dropout", "0.5,0.1,0.2"], saying: "--output-dropout takes one rate or two")
        let one = try CommandRunner.run([
            "train", data.folder.path, "--out", data.path("run"), "--output-dropout", "1", "--text-encoder", "glove-mean",
            "--text-tower", "mlp", "--weights", "1,1,0,0", "--cache-dir", data.path("cache"),
        ])
        #expect(one.status != 0)
        #expect(one.standardError.contains("dropout rates must be at least 0 and below 1"))
    }

    @Test func theFirstWorksOwnSettingsRunEndToEnd() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let result = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--doc2vec-min-count", "2", "--epochs", "2",
            "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Doc2Vec (reference preset, pv-dm, min_count 2)"))
        #expect(result.standardOutput.contains("inferring Doc2Vec vectors of 600 training captions again"))
        let config = try String(contentsOfFile: data.path("run/config.json"), encoding: .utf8)
        for element in ["\"negatives\" : \"random-texts\"", "\"startEnd\" : true", "\"initialization\" : \"xavier\"", "\"search\" : \"hnsw\"", "\"vectors\" : \"inferred\""] {
            #expect(config.contains(element), "\(element)")
        }
        let evaluation = try CommandRunner.run(["evaluate", data.path("run"), data.folder.path, "--cache-dir", data.path("cache")])
        #expect(evaluation.status == 0, "\(evaluation.standardError)")

        // Deterministic: the same command again gives the same bytes (Doc2Vec on one thread, the HNSW graph
        // built on one thread, the training seeded). And a resumed run reuses its neighbour file.
        let again = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--doc2vec-min-count", "2", "--epochs", "2",
            "--cache-dir", data.path("cache"), "--out", data.path("again"),
        ])
        try #require(again.status == 0, "\(again.standardError)")
        for file in ["neighbors.safetensors", "best.safetensors", "doc2vec/model.safetensors"] {
            let first = try Data(contentsOf: URL(fileURLWithPath: data.path("run/\(file)")))
            #expect(first == (try Data(contentsOf: URL(fileURLWithPath: data.path("again/\(file)")))), "\(file) differs between two runs")
        }
        // The metrics too, all but the speed.
        func metrics(_ run: String) throws -> [NSDictionary] {
            try String(contentsOfFile: data.path("\(run)/metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { line in
                let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return record.filter { $0.key != "pairsPerSecond" } as NSDictionary
            }
        }
        let firstMetrics = try metrics("run"), againMetrics = try metrics("again")
        #expect(firstMetrics.count == 2 && firstMetrics == againMetrics)
        let interrupted = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--doc2vec-min-count", "2", "--epochs", "2", "--stop-after", "1",
            "--cache-dir", data.path("cache"), "--out", data.path("resumed"),
        ])
        try #require(interrupted.status == 0, "\(interrupted.standardError)")
        let resumed = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--doc2vec-min-count", "2", "--epochs", "2", "--resume",
            "--cache-dir", data.path("cache"), "--out", data.path("resumed"),
        ])
        try #require(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("neighbourhoods: reusing neighbors.safetensors"), "\(resumed.standardOutput)")
        #expect(!resumed.standardOutput.contains("inferring Doc2Vec vectors"), "\(resumed.standardOutput)")
        for file in ["neighbors.safetensors", "best.safetensors"] {
            let first = try Data(contentsOf: URL(fileURLWithPath: data.path("run/\(file)")))
            #expect(first == (try Data(contentsOf: URL(fileURLWithPath: data.path("resumed/\(file)")))), "\(file): resumed differs")
        }
    }
}
