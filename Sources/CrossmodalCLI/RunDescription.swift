import ArgumentParser
import Foundation
import Training

/// What a run folder's `config.json` records besides the training configuration, so that the run can
/// be reproduced and new data embedded with it.
struct RunDescription: Codable {
    var preset: String
    var dataset: String
    var trainSplit: String
    var validationSplit: String
    var imageEncoder: String
    var textEncoder: String
    var neighbors: String?
    /// The Doc2Vec model folder (GRU word embeddings, neighbourhoods), relative to the run folder when inside it.
    var doc2vec: String?
    /// True when the run trained separate image→text and text→image models (in subfolders).
    var separateDirections: Bool?
    var training: TrainingConfiguration

    static let fileName = "config.json"

    func write(to folder: URL) throws {
        try prettyJSON(self).write(to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }

    static func read(from folder: URL) throws -> RunDescription {
        let file = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: file) else {
            throw ValidationError("\(folder.path) is not a run folder: no \(fileName) (train one with `crossmodal train`)")
        }
        do {
            return try JSONDecoder().decode(RunDescription.self, from: data)
        } catch {
            throw ValidationError("\(file.path) is not a crossmodal run configuration: \(error)")
        }
    }
}
