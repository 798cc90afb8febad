import Foundation
import Testing

/// `train` fits the run's match probability; `calibrate` refits and checks it; an index carries it; the
/// command line, the API and the page cut results at a minimum probability and say "no good match".
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct CalibrationCommandTests {
    @Test func matchProbabilityFromTrainingToThePage() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try data.train(["--preset", "vsepp", "--hidden", "32", "--embedding-dimension", "32", "--epochs", "2"])
        try #require(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("calibration: match probability fitted on dev"), "\(train.standardOutput)")
        let stored = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.path("run/calibration.json")))) as? [String: Any])
        #expect(stored["method"] as? String == "platt")
        #expect((stored["positives"] as? Int ?? 0) + (stored["negatives"] as? Int ?? 0) == 200 * 10)  // 40 dev images × 5 captions × 10 shown
        let threshold = try #require(stored["minProbability"] as? Double)
        // Scores are judged against image baselines: the commonest words of the dev captions, each image's 20 best.
        let phrases = try #require(stored["phrases"] as? [String], "\(stored.keys)")
        #expect((20...512).contains(phrases.count) && phrases.contains("dog") && !phrases.contains("the"), "\(phrases)")
        #expect(stored["phraseNeighbors"] as? Int == 20)

        // Checked on the same split: 85% of its texts' best results reach the threshold it set (all of them when the
        // tiny model's scores do not rise with matching and the fit is the constant base rate).
        let check = try CommandRunner.run(["calibrate", data.path("run"), data.folder.path, "--split", "dev", "--check", "--json", "--cache-dir", data.path("cache")])
        try #require(check.status == 0, "\(check.standardError)")
        let checked = try #require(try JSONSerialization.jsonObject(with: Data(check.standardOutput.utf8)) as? [String: Any])
        #expect((checked["answeredShare"] as? Double ?? 0) >= 0.84, "\(checked)")
        #expect((checked["reliability"] as? [Any])?.count == 10)
        // A refit with a threshold of one's own is written.
        let refit = try CommandRunner.run(["calibrate", data.path("run"), data.folder.path, "--min-probability", "0.2", "--cache-dir", data.path("cache")])
        try #require(refit.status == 0, "\(refit.standardError)")
        #expect(refit.standardOutput.contains("expected calibration error"), "\(refit.standardOutput)")
        let refitted = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.path("run/calibration.json")))) as? [String: Any]
        #expect(refitted?["minProbability"] as? Double == 0.2)
        _ = threshold
        // The report shows the reliability diagram.
        let report = try CommandRunner.run([
            "report", data.path("run"), "--dataset", data.folder.path, "--split", "dev", "--out", data.path("report.html"), "--cache-dir", data.path("cache"),
        ])
        try #require(report.status == 0, "\(report.standardError)")
        let page = try String(contentsOfFile: data.path("report.html"), encoding: .utf8)
        #expect(page.contains("<h2>Match probability on dev</h2>") && page.contains("aria-label=\"reliability diagram\""))

        let build = try CommandRunner.run([
            "index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache"),
        ])
        try #require(build.status == 0, "\(build.standardError)")
        #expect(FileManager.default.fileExists(atPath: data.path("index/model/calibration.json")))

        // Every result with its probability (threshold 0), then none reaching 0.999: "no good match" and the nearest.
        let all = try CommandRunner.run(["search", data.path("index"), "--text", "a dog in the snow", "-k", "4", "--min-probability", "0", "--json"])
        try #require(all.status == 0, "\(all.standardError)")
        let allAnswer = try #require(try JSONSerialization.jsonObject(with: Data(all.standardOutput.utf8)) as? [String: Any])
        let results = try #require(allAnswer["results"] as? [[String: Any]])
        #expect(results.count == 4 && results.allSatisfy { $0["match_probability"] is Double })
        let probabilities = results.compactMap { $0["match_probability"] as? Double }
        #expect(probabilities.allSatisfy { (0...1).contains($0) })
        #expect(allAnswer["no_good_match"] as? Bool == false)
        let none = try CommandRunner.run(["search", data.path("index"), "--text", "a giraffe", "-k", "8", "--min-probability", "0.999", "--json"])
        let noneAnswer = try #require(try JSONSerialization.jsonObject(with: Data(none.standardOutput.utf8)) as? [String: Any])
        #expect(noneAnswer["no_good_match"] as? Bool == true)
        #expect((noneAnswer["results"] as? [Any])?.isEmpty == true)
        #expect((noneAnswer["nearest"] as? [Any])?.count == 5)
        #expect(noneAnswer["min_probability"] as? Double == 0.999)
        let text = try CommandRunner.run(["search", data.path("index"), "--text", "a giraffe", "-k", "8", "--min-probability", "0.999"])
        #expect(text.standardOutput.contains("no good match: no result reaches match probability 0.999"), "\(text.standardOutput)")
        let bad = try CommandRunner.run(["search", data.path("index"), "--text", "a dog", "--min-probability", "1.5"])
        #expect(bad.status != 0 && bad.standardError.contains("--min-probability must be between 0 and 1"), "\(bad.standardError)")

        // The API: the same answers, a 400 for a bad threshold; the page says it.
        let server = try ServerProcess(index: data.path("index"))
        defer { server.stop() }
        let served = try server.json("/api/search?k=8&text=a%20giraffe&min_probability=0.999")
        #expect(served.status == 200 && served.object["no_good_match"] as? Bool == true && (served.object["nearest"] as? [Any])?.count == 5)
        let fine = try server.json("/api/search?k=3&text=a%20dog&min_probability=0")
        #expect((fine.object["results"] as? [[String: Any]])?.first?["match_probability"] is Double)
        // The server judges each image against the same baseline as the command line.
        let same = try server.json("/api/search?k=4&text=a%20dog%20in%20the%20snow&min_probability=0")
        let served4 = (same.object["results"] as? [[String: Any]] ?? []).compactMap { $0["match_probability"] as? Double }
        #expect(served4.count == 4 && zip(served4, probabilities).allSatisfy { abs($0 - $1) < 1e-6 }, "\(served4) vs \(probabilities)")
        let refused = try server.json("/api/search?k=3&text=a%20dog&min_probability=abc")
        #expect(refused.status == 400)
        #expect(try server.json("/api/search?k=3&text=a%20dog&min_probability=-0.5").status == 400)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            // A server whose threshold nothing reaches: the page's own search answers "no good match".
            try Self.setThreshold(1, in: data.path("index/model/calibration.json"))
            let strict = try ServerProcess(index: data.path("index"))
            defer { strict.stop() }
            let page = try strict.searchPage("a giraffe")
            #expect(page.standardOutput.contains("No good match for “a giraffe”"), "\(page.standardOutput)")
        }
    }

    /// A calibration file that lies (a NaN slope, a threshold above 1) stops the search with the file named.
    @Test func aBrokenCalibrationFileIsNamed() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try data.train(["--preset", "vsepp", "--hidden", "16", "--embedding-dimension", "16", "--epochs", "1"])
        try #require(train.status == 0, "\(train.standardError)")
        let file = data.path("run/calibration.json")
        try Self.setThreshold(7, in: file)
        let build = try CommandRunner.run([
            "index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache"),
        ])
        #expect(build.status != 0)
        #expect(build.standardError.contains("calibration.json") && build.standardError.contains("minProbability within [0, 1]"), "\(build.standardError)")
        try Data("{\"method\": \"platt\", \"slope\": \"NaN\"}".utf8).write(to: URL(fileURLWithPath: file))
        let again = try CommandRunner.run(["calibrate", data.path("run"), data.folder.path, "--check", "--cache-dir", data.path("cache")])
        #expect(again.status != 0 && again.standardError.contains("is not a crossmodal calibration"), "\(again.standardError)")
        // Phrases that would cost a load (10,001) or a baseline of none of them.
        for (phrases, neighbors) in [(Array(repeating: "dog", count: 10_001), 20), (["dog", "grass"], 0), (["dog", "grass"], 3), (["", "dog"], 1)] {
            var object: [String: Any] = ["method": "platt", "slope": 10.0, "intercept": -3.0, "minProbability": 0.1, "split": "dev", "positives": 1,
                "negatives": 9, "reliability": [Any](), "expectedCalibrationError": 0.0]
            (object["phrases"], object["phraseNeighbors"]) = (phrases, neighbors)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
            let refused = try CommandRunner.run(["calibrate", data.path("run"), data.folder.path, "--check", "--cache-dir", data.path("cache")])
            #expect(refused.status != 0 && refused.standardError.contains("calibration.json: phrases must be"), "\(refused.standardError)")
        }
    }

    static func setThreshold(_ value: Double, in path: String) throws {
        let url = URL(fileURLWithPath: path)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["minProbability"] = value
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }
}
