import Foundation
import Testing
import Training
@testable import Pipeline

/// Reading `config.json`: unknown encoder names are errors that name the file and the name; the weights
/// of runs written before they had names still read.
@Suite struct RunDescriptionTests {
    static func folder() throws -> RunFolder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-run-\(UUID().uuidString)")
        let run = RunFolder(url)
        try run.create()
        return run
    }

    static func description() -> RunDescription {
        RunDescription(
            preset: "thomas2020", dataset: "/data", trainSplit: "train", validationSplit: "dev", imageEncoder: .efficientnetLite0,
            textEncoder: .gloveMean, neighbors: nil, doc2vec: nil, separateDirections: false,
            training: TrainingPreset.vsepp.configuration)
    }

    @Test func roundTrip() throws {
        let run = try Self.folder()
        defer { try? FileManager.default.removeItem(at: run.url) }
        try Self.description().write(to: run)
        let read = try RunDescription.read(from: run)
        #expect(read.textEncoder == .gloveMean)
        #expect(read.training == TrainingPreset.vsepp.configuration)
        let json = try String(contentsOf: run.configurationFile, encoding: .utf8)
        #expect(json.contains("\"imageToText\" : 1"))
    }

    @Test func misspelledEncoderIsAnError() throws {
        let run = try Self.folder()
        defer { try? FileManager.default.removeItem(at: run.url) }
        try Self.description().write(to: run)
        let text = try String(contentsOf: run.configurationFile, encoding: .utf8)
            .replacingOccurrences(of: "\"glove-mean\"", with: "\"minlm\"")
        try text.write(to: run.configurationFile, atomically: true, encoding: .utf8)
        let error = try #require(throws: PipelineError.self) { try RunDescription.read(from: run) }
        #expect(error.message.contains("config.json"))
        #expect(error.message.contains("unknown text encoder \"minlm\""))
        #expect(error.message.contains("minilm, glove-mean, glove-sum"))
    }

    @Test func olderWeightArraysStillRead() throws {
        let run = try Self.folder()
        defer { try? FileManager.default.removeItem(at: run.url) }
        try Self.description().write(to: run)
        var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: run.configurationFile)) as? [String: Any])
        var training = try #require(object["training"] as? [String: Any])
        training["weights"] = [1, 0.5, 0.3, 0.2]
        object["training"] = training
        try JSONSerialization.data(withJSONObject: object).write(to: run.configurationFile)
        let read = try RunDescription.read(from: run)
        #expect(read.training.weights == ObjectiveWeights(imageToText: 1, textToImage: 0.5, image: 0.3, text: 0.2))

        training["weights"] = [1, 1]
        object["training"] = training
        try JSONSerialization.data(withJSONObject: object).write(to: run.configurationFile)
        let error = try #require(throws: PipelineError.self) { try RunDescription.read(from: run) }
        #expect(error.message.contains("four numbers"))
    }

    @Test func notARunFolder() throws {
        let run = try Self.folder()
        defer { try? FileManager.default.removeItem(at: run.url) }
        let error = try #require(throws: PipelineError.self) { try TrainedRun.open(run.url.path) }
        #expect(error.message.contains("is not a run folder"))
    }

    @Test func layoutNamesEveryFileOnce() {
        let run = RunFolder(path: "/runs/a")
        #expect(run.jointModel.bestCheckpoint.path == "/runs/a/best.safetensors")
        #expect(run.imageToTextModel.metricsFile.path == "/runs/a/image-to-text/metrics.jsonl")
        #expect(run.models(separateDirections: true).map(\.folder.url.lastPathComponent) == ["image-to-text", "text-to-image"])
        #expect(run.doc2vecFolder.path == "/runs/a/doc2vec")
    }
}
