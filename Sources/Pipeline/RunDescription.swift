import Foundation
import SafeFiles
import Training

/// A run folder's `config.json`: the run's ``TrainingRecipe`` as it ran (the training configuration resolved,
/// with a fine-tuned network's shape), the dataset, and the Doc2Vec model and neighbour file it used, so that
/// the run can be reproduced and new data embedded with it.
public struct RunDescription: Codable, Sendable {
    /// The preset the run started from.
    public var preset: String
    /// The dataset it was trained on.
    public var dataset: String
    /// The training split.
    public var trainSplit: String
    /// The split that chose the best epoch.
    public var validationSplit: String
    /// The image encoder whose features the image tower reads.
    public var imageEncoder: ImageEncoderName
    /// The sentence encoder an MLP text tower reads (recorded for GRU runs too, unused there).
    public var textEncoder: TextEncoderName
    /// The neighbour file of the training captions, if the run used one.
    public var neighbors: String?
    /// The Doc2Vec model folder (GRU word embeddings, neighbourhoods), relative to the run folder when inside it.
    public var doc2vec: String?
    /// True when the run trained separate image→text and text→image models (in subfolders).
    public var separateDirections: Bool?
    /// The JSON Lines fields that made each text, when not `text` alone (later stages read the dataset so too).
    public var textFields: [String]?
    /// How the neighbours were found, when `train` found them.
    public var neighborSource: NeighborSource?
    /// The Doc2Vec preset, min_count and first sentences of the model `train` trained itself, if it did.
    public var doc2vecPreset: String?
    public var doc2vecMinCount: Int?
    public var firstSentences: Int?
    /// The training configuration.
    public var training: TrainingConfiguration

    /// Creates a description.
    public init(
        preset: String, dataset: String, trainSplit: String, validationSplit: String, imageEncoder: ImageEncoderName,
        textEncoder: TextEncoderName, neighbors: String?, doc2vec: String?, separateDirections: Bool?,
        training: TrainingConfiguration
    ) {
        self.preset = preset
        self.dataset = dataset
        self.trainSplit = trainSplit
        self.validationSplit = validationSplit
        self.imageEncoder = imageEncoder
        self.textEncoder = textEncoder
        self.neighbors = neighbors
        self.doc2vec = doc2vec
        self.separateDirections = separateDirections
        self.training = training
    }

    /// The description of a run of `recipe` on `dataset`: `training` is the recipe's configuration as it ran,
    /// `doc2vec` the model used (`trainedDoc2Vec` when `train` made it, so its settings are recorded too) and
    /// `neighbors` the neighbour file given (`foundNeighbors` when `train` found them).
    public init(
        _ recipe: TrainingRecipe, dataset: String, training: TrainingConfiguration, doc2vec: String?, trainedDoc2Vec: Bool,
        neighbors: String?, foundNeighbors: Bool
    ) {
        self.init(
            preset: recipe.preset.rawValue, dataset: dataset, trainSplit: recipe.trainSplit, validationSplit: recipe.validationSplit,
            imageEncoder: recipe.imageEncoder, textEncoder: recipe.textEncoder, neighbors: neighbors, doc2vec: doc2vec,
            separateDirections: recipe.separateDirections, training: training)
        if let fields = recipe.textFields, fields != ["text"] { textFields = fields }
        if foundNeighbors { neighborSource = recipe.neighborSource }
        if trainedDoc2Vec {
            (doc2vecPreset, doc2vecMinCount, firstSentences) = (recipe.doc2vecPreset.rawValue, recipe.doc2vecMinCount, recipe.firstSentences)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case preset, dataset, trainSplit, validationSplit, imageEncoder, textEncoder, neighbors, doc2vec, separateDirections, textFields, neighborSource
        case doc2vecPreset, doc2vecMinCount, firstSentences, training
    }

    /// Decodes a description; an encoder name that is not known is an error that names it (a typo
    /// must not silently run another encoder).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decode(String.self, forKey: .preset)
        dataset = try c.decode(String.self, forKey: .dataset)
        trainSplit = try c.decode(String.self, forKey: .trainSplit)
        validationSplit = try c.decode(String.self, forKey: .validationSplit)
        do {
            imageEncoder = try ImageEncoderName(named: try c.decode(String.self, forKey: .imageEncoder))
            textEncoder = try TextEncoderName(named: try c.decode(String.self, forKey: .textEncoder))
        } catch let error as PipelineError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: error.message))
        }
        neighbors = try c.decodeIfPresent(String.self, forKey: .neighbors)
        doc2vec = try c.decodeIfPresent(String.self, forKey: .doc2vec)
        separateDirections = try c.decodeIfPresent(Bool.self, forKey: .separateDirections)
        textFields = try c.decodeIfPresent([String].self, forKey: .textFields)
        neighborSource = try c.decodeIfPresent(NeighborSource.self, forKey: .neighborSource)
        doc2vecPreset = try c.decodeIfPresent(String.self, forKey: .doc2vecPreset)
        doc2vecMinCount = try c.decodeIfPresent(Int.self, forKey: .doc2vecMinCount)
        firstSentences = try c.decodeIfPresent(Int.self, forKey: .firstSentences)
        training = try c.decode(TrainingConfiguration.self, forKey: .training)
    }

    /// Writes `config.json` into the run folder.
    public func write(to run: RunFolder) throws {
        try prettyJSON(self).write(to: run.configurationFile, options: .atomic)
    }

    /// Reads the run folder's `config.json`.
    public static func read(from run: RunFolder) throws(PipelineError) -> RunDescription {
        let file = run.configurationFile
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw PipelineError("\(run.url.path) is not a run folder: no \(file.lastPathComponent) (train one with `crossmodal train`)")
        }
        let description = try readJSON(RunDescription.self, from: file, maxBytes: 16 << 20) { error in
            if case DecodingError.dataCorrupted(let context) = error { return "\(file.path): \(context.debugDescription)" }
            return "\(file.path) is not a crossmodal run configuration: \(error)"
        }
        // Every size in it sizes an allocation later: checked here, naming the file.
        do {
            try description.training.validate()
        } catch {
            throw PipelineError("\(file.path): \(error.message)")
        }
        return description
    }
}

/// The JSON file `file`, of at most `maxBytes`, decoded as `T`.
///
/// - Throws: ``PipelineError`` naming the file when it is missing, unreadable or too large, or with
///   `notDecodable(error)` as its message when its contents are not a `T`.
func readJSON<T: Decodable>(
    _ type: T.Type, from file: URL, maxBytes: Int, notDecodable: (any Error) -> String
) throws(PipelineError) -> T {
    let data = try RegularFile.read(file, maxBytes: maxBytes, orThrow: PipelineError.init)
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch {
        throw PipelineError(notDecodable(error))
    }
}

/// `value` as indented JSON with sorted keys and unescaped slashes: how every file and command writes
/// JSON for people.
public func prettyJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}
