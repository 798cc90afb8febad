import Foundation
import Testing

/// A closed-vocabulary run (the GRU over its Doc2Vec words, or GloVe) names the words of a query it does not
/// know, in the command line, the JSON and the page, and refuses a query of unknown words alone instead of
/// answering it as the empty text.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct UnknownWordsCommandTests {
    /// The two closed vocabularies: the first work's GRU and the triplet networks' GloVe mean.
    static let runs: [[String]] = [
        ["--preset", "thomas2020", "--batch-size", "16", "--learning-rate", "1e-3", "--epochs", "1"],
        ["--preset", "triplet-networks", "--text-encoder", "glove-mean", "--hidden", "32", "--embedding-dimension", "32", "--epochs", "1"],
    ]

    @Test(arguments: runs) func unknownWordsAreNamedAndAQueryOfNoneIsRefused(training: [String]) throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try CommandRunner.run(["train", data.folder.path] + training + ["--cache-dir", data.path("cache"), "--out", data.path("run")])
        try #require(train.status == 0, "\(train.standardError)")
        let build = try CommandRunner.run([
            "index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache"),
        ])
        try #require(build.status == 0, "\(build.standardError)")

        // Known words and two made-up ones: answered, and the made-up ones named (once each, in order).
        let mixed = try CommandRunner.run(["search", data.path("index"), "--text", "a dog zqxvwk qwplfx zqxvwk", "-k", "3"])
        #expect(mixed.status == 0, "\(mixed.standardError)")
        #expect(mixed.standardOutput.contains("note: the model does not know “zqxvwk”, “qwplfx” and searched without them"), "\(mixed.standardOutput)")
        let json = try CommandRunner.run(["search", data.path("index"), "--text", "a dog zqxvwk", "-k", "3", "--json"])
        try #require(json.status == 0, "\(json.standardError)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(answer["unknown_words"] as? [String] == ["zqxvwk"])
        #expect((answer["results"] as? [[String: Any]])?.count == 3)
        let known = try CommandRunner.run(["search", data.path("index"), "--text", "a dog", "-k", "3", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(known.standardOutput.utf8)) as? [String: Any])?["unknown_words"] as? [String] == [])

        // No known word: an error that names the words, not the same images as for every such query.
        let none = try CommandRunner.run(["search", data.path("index"), "--text", "zqxvwk qwplfx", "-k", "3"])
        #expect(none.status != 0)
        #expect(none.standardOutput.isEmpty, "\(none.standardOutput)")
        #expect(none.standardError.contains("the model knows none of the query's words (“zqxvwk”, “qwplfx”)"), "\(none.standardError)")
        #expect(none.standardError.contains("--text-encoder minilm"), "\(none.standardError)")

        // The API: the same, as JSON and a 400.
        let server = try ServerProcess(index: data.path("index"))
        defer { server.stop() }
        let served = try server.json("/api/search?k=3&text=a%20dog%20zqxvwk")
        #expect(served.status == 200 && served.object["unknown_words"] as? [String] == ["zqxvwk"])
        let refused = try server.json("/api/search?k=3&text=zqxvwk%20qwplfx")
        #expect(refused.status == 400)
        let message = (refused.object["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("“zqxvwk”, “qwplfx”"), "\(refused.object)")
        #expect(try server.json("/healthz").status == 200)

        // The page says it under the results (when Debian's Chromium is here; BrowserTests needs it too).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            let page = try server.searchPage("a dog zqxvwk")
            #expect(page.standardOutput.contains("the model does not know “zqxvwk” and searched without it"), "\(page.standardOutput)")
        }
    }
}
