import Foundation
import Testing

/// evaluate, export and report end to end on a small real subset, checked against NumPy.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil)) struct EvaluateCommandTests {
    func python(_ arguments: [String]) throws -> CommandRunner.Result {
        try CommandRunner.runProgram(["python3"] + arguments)
    }

    @Test func evaluateAgreesWithNumPyOnTheExportAndTheReportRenders() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--doc2vec-min-count", "2", "--batch-size", "16", "--learning-rate", "1e-3", "--epochs", "2",
            "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")

        let evaluation = try CommandRunner.run(["evaluate", data.path("run"), data.folder.path, "--split", "dev", "--json", "--cache-dir", data.path("cache")])
        try #require(evaluation.status == 0, "\(evaluation.standardError)")
        try evaluation.standardOutput.write(toFile: data.path("evaluation.json"), atomically: true, encoding: .utf8)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(evaluation.standardOutput.utf8)) as? [String: Any])
        let retrieval = try #require(summary["retrieval"] as? [String: Any])
        #expect(retrieval["images"] as? Int == 40)
        #expect(retrieval["captions"] as? Int == 200)
        // The GRU run has Doc2Vec neighbourhoods, so preservation is reported and beats chance (10/199). (min_count 2:
        // the first work's 20 leaves a handful of these 200 captions' words, and neighbourhoods near chance.)
        let preservation = try #require(summary["neighborhoodPreservation"] as? [String: Any])
        #expect((preservation["text"] as? Double ?? 0) > 0.06)

        let export = try CommandRunner.run(["export", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("export"), "--cache-dir", data.path("cache")])
        try #require(export.status == 0, "\(export.standardError)")
        let ids = try String(contentsOfFile: data.path("export/texts.ids.txt"), encoding: .utf8).split(separator: "\n")
        #expect(ids.count == 200 && ids[0].contains("#"))
        let check = try python(["scripts/check_evaluation.py", data.path("export"), data.path("evaluation.json")])
        #expect(check.status == 0, "\(check.standardOutput)")
        #expect(check.standardOutput.contains("agree"))

        let report = try CommandRunner.run([
            "report", data.path("run"), "--dataset", data.folder.path, "--split", "dev", "--out", data.path("report.html"),
            "--examples", "3", "--cache-dir", data.path("cache"),
        ])
        try #require(report.status == 0, "\(report.standardError)")
        let html = try String(contentsOfFile: data.path("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("<polyline"))
        #expect(html.components(separatedBy: "data:image/jpeg;base64,").count - 1 == 3 * 5 + 3)
        #expect(html.contains("mAP@10") && html.contains("rsum"))
        #expect(html.contains("Spread (mean distance to the centroid"))
    }

    @Test func separateDirectionModelsExportTwoSpaces() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try data.trainTripletNetworks(width: 32)
        try #require(train.status == 0, "\(train.standardError)")
        let evaluation = try CommandRunner.run(["evaluate", data.path("run"), data.folder.path, "--json", "--folds", "2", "--cache-dir", data.path("cache")])
        try #require(evaluation.status == 0, "\(evaluation.standardError)")
        #expect(evaluation.standardOutput.contains("\"folds\" : 2"))
        let export = try CommandRunner.run(["export", data.path("run"), data.folder.path, "--out", data.path("export"), "--cache-dir", data.path("cache")])
        try #require(export.status == 0, "\(export.standardError)")
        for space in ["image-to-text", "text-to-image"] {
            #expect(FileManager.default.fileExists(atPath: data.path("export/\(space)/images.npy")))
        }
        let whole = try CommandRunner.run(["evaluate", data.path("run"), data.folder.path, "--json", "--no-preservation", "--cache-dir", data.path("cache")])
        try whole.standardOutput.write(toFile: data.path("evaluation.json"), atomically: true, encoding: .utf8)
        let check = try python(["scripts/check_evaluation.py", data.path("export"), data.path("evaluation.json")])
        #expect(check.status == 0, "\(check.standardOutput)")
    }
}
