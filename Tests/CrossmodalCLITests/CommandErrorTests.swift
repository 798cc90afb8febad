import Foundation
import Testing

/// Argument and input errors of the commands: each says what to fix, and none needs data.
@Suite struct CommandErrorTests {
    @Test func badWeightsAreAClearError() throws {
        try CommandRunner.expectFailure(["train", "/nonexistent", "--out", "/tmp/x", "--weights", "1,1"], saying: "--weights takes four numbers")
    }

    @Test func neighboursArgumentErrors() throws {
        try CommandRunner.expectFailure(["neighbors", "--vectors", "a.npy", "--doc2vec", "d", "--out", "x.safetensors"], saying: "exactly one of --vectors and --doc2vec")
        try CommandRunner.expectFailure(["neighbors", "--vectors", "/nonexistent/v.npy", "--out", "/tmp/x.safetensors"], saying: "/nonexistent/v.npy")
        try CommandRunner.expectFailure(["doc2vec", "infer", "/nonexistent", "--text", "x"], saying: "not a Doc2Vec model folder")
    }

    @Test func notARunFolderIsAClearError() throws {
        try CommandRunner.expectFailure(["evaluate", "/nonexistent-run", "/nonexistent-data"], saying: "not a run folder")
    }

    @Test func hiddenWidthsAreParsedStrictly() throws {
        try CommandRunner.expectFailure(["train", "/nonexistent", "--out", "/tmp/x", "--hidden", "32,x"], saying: "--hidden takes comma-separated positive whole numbers; 'x' in '32,x' is not one")
        let zero = try CommandRunner.run(["train", "/nonexistent", "--out", "/tmp/x", "--hidden", "0"])
        #expect(zero.standardError.contains("'0' in '0' is not one"))
    }

    @Test func outputDropoutCountIsChecked() throws {
        try CommandRunner.expectFailure(["train", "/nonexistent", "--out", "/tmp/x", "--output-dropout", "0.5,0.1,0.2"], saying: "--output-dropout takes one rate or two")
    }

    @Test func misspelledEncoderInARunIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = """
            {"preset": "vsepp", "dataset": "/d", "trainSplit": "train", "validationSplit": "dev",
             "imageEncoder": "efficientnet-lite0", "textEncoder": "MiniLM", "training": {}}
            """
        try config.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try CommandRunner.expectFailure(["evaluate", folder.path, "/nonexistent-data"], saying: "config.json: unknown text encoder \"MiniLM\"; known: minilm, glove-mean, glove-sum")
    }

    @Test func waitForHeldIsBounded() throws {
        for value in ["-1", "nan", "100000"] {
            try CommandRunner.expectFailure(
                ["embed", "images", "/nonexistent", "--split", "all", "--into", "postgres://localhost/x", "--wait-for-held=\(value)"], saying: "--wait-for-held is between 0 and 86400")
        }
    }
}
