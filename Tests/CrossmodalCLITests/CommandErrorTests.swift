import Foundation
import Testing

/// Argument and input errors of the commands: each says what to fix, and none needs data.
@Suite struct CommandErrorTests {
    @Test func badWeightsAreAClearError() throws {
        let result = try CommandRunner.run(["train", "/nonexistent", "--out", "/tmp/x", "--weights", "1,1"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--weights takes four numbers"))
    }

    @Test func neighboursArgumentErrors() throws {
        let both = try CommandRunner.run(["neighbors", "--vectors", "a.npy", "--doc2vec", "d", "--out", "x.safetensors"])
        #expect(both.status != 0)
        #expect(both.standardError.contains("exactly one of --vectors and --doc2vec"))
        let missing = try CommandRunner.run(["neighbors", "--vectors", "/nonexistent/v.npy", "--out", "/tmp/x.safetensors"])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("/nonexistent/v.npy"))
        let notAModel = try CommandRunner.run(["doc2vec", "infer", "/nonexistent", "--text", "x"])
        #expect(notAModel.status != 0)
        #expect(notAModel.standardError.contains("not a Doc2Vec model folder"))
    }

    @Test func notARunFolderIsAClearError() throws {
        let result = try CommandRunner.run(["evaluate", "/nonexistent-run", "/nonexistent-data"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("not a run folder"))
    }

    @Test func hiddenWidthsAreParsedStrictly() throws {
        let result = try CommandRunner.run(["train", "/nonexistent", "--out", "/tmp/x", "--hidden", "32,x"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--hidden takes comma-separated positive whole numbers; 'x' in '32,x' is not one"))
        let zero = try CommandRunner.run(["train", "/nonexistent", "--out", "/tmp/x", "--hidden", "0"])
        #expect(zero.standardError.contains("'0' in '0' is not one"))
    }

    @Test func outputDropoutCountIsChecked() throws {
        let result = try CommandRunner.run(["train", "/nonexistent", "--out", "/tmp/x", "--output-dropout", "0.5,0.1,0.2"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--output-dropout takes one rate or two"))
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
        let result = try CommandRunner.run(["evaluate", folder.path, "/nonexistent-data"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("config.json: unknown text encoder \"MiniLM\"; known: minilm, glove-mean, glove-sum"))
    }
}
