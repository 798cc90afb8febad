import Foundation
import Evaluation
import Numerics
import TensorFiles
import TextModels
import Training

/// A finished run folder opened for use: its description, its Doc2Vec model if it has one, and the
/// best checkpoints' towers.
public struct TrainedRun {
    /// The run folder.
    public let folder: RunFolder
    /// Its `config.json`.
    public let description: RunDescription
    /// The Doc2Vec model the run used (GRU word embeddings and neighbourhoods), if any.
    public let doc2vec: Doc2VecModel?

    /// Whether the run trained separate image→text and text→image models.
    public var separateDirections: Bool { description.separateDirections ?? folder.looksSeparate }

    /// Whether the text tower reads Doc2Vec token ids (a GRU) rather than sentence features.
    public var usesTokens: Bool { description.training.textRecurrentHidden != nil }

    /// What the run reads of each image at evaluation: pooled features, or maps for its fine-tuned blocks.
    public var imageStage: ImageFeatureStage { .evaluation(finetuning: description.training.imageFinetuning?.blocks) }

    /// How the GRU reads texts.
    public var tokens: TokenSettings { description.training.tokenSettings }

    /// How the run's space ranks (Euclidean distance for unnormalised squared-L2 runs).
    public var metric: SimilarityMetric { description.training.rankingMetric }

    /// The trained models, one joint or one per direction, with a label each.
    public var models: [(label: String, folder: ModelFolder)] { folder.models(separateDirections: separateDirections) }

    /// Opens `path`; the Doc2Vec model is loaded when the description names one or the folder holds one.
    ///
    /// A Doc2Vec model that cannot be read is an error for a GRU run (it needs the vocabulary) and a
    /// note for others (only neighbourhood preservation needs it).
    public static func open(_ path: String, observer: PipelineObserver = .silent) throws -> TrainedRun {
        let folder = RunFolder(path: path)
        let description = try RunDescription.read(from: folder)
        var doc2vecFolder: URL?
        if let recorded = description.doc2vec {
            doc2vecFolder = recorded.hasPrefix("/") ? URL(fileURLWithPath: recorded) : folder.url.appendingPathComponent(recorded)
        } else if FileManager.default.fileExists(atPath: folder.doc2vecFolder.appendingPathComponent("model.safetensors").path) {
            doc2vecFolder = folder.doc2vecFolder
        }
        let recurrent = description.training.textRecurrentHidden != nil
        var doc2vec: Doc2VecModel?
        if let doc2vecFolder {
            do {
                doc2vec = try Doc2VecModel.load(from: doc2vecFolder)
            } catch where !recurrent {
                observer.note("note: the run's Doc2Vec model at \(doc2vecFolder.path) could not be read (\(error)); neighbourhood preservation is skipped")
            }
        }
        if recurrent, doc2vec == nil {
            throw PipelineError("\(path): the GRU text tower needs the run's Doc2Vec model, which is missing (expected \(folder.doc2vecFolder.path))")
        }
        return TrainedRun(folder: folder, description: description, doc2vec: doc2vec)
    }

    /// The best checkpoints' towers for inputs of the given widths: (image→text model, text→image model),
    /// the same model twice unless the run trained separate directions.
    public func models(imageInput: Int, textInput: Int) throws -> (imageToText: JointModel, textToImage: JointModel) {
        func load(_ model: ModelFolder) throws -> JointModel {
            let checkpoint = model.bestCheckpoint
            guard model.hasBestCheckpoint else {
                throw PipelineError("\(checkpoint.path) is missing: the run has not finished an epoch yet")
            }
            let joint: JointModel
            do {
                joint = try JointModel(
                    configuration: description.training, imageInput: imageInput, textInput: textInput,
                    wordEmbeddings: usesTokens ? doc2vec.map { GRUInput.embeddings($0, settings: tokens, seed: description.training.seed) } : nil)
            } catch let error as TrainingError {
                throw PipelineError("\(folder.configurationFile.path): \(error.message)")
            }
            try joint.load(SafetensorsFile.read(checkpoint).tensors, prefix: "param.", file: checkpoint.path)
            return joint
        }
        guard separateDirections else {
            let model = try load(folder.jointModel)
            return (model, model)
        }
        return (try load(folder.imageToTextModel), try load(folder.textToImageModel))
    }

    /// Joint-space embeddings of a split's features, for each direction's model.
    public func embed(_ features: SplitFeatures) throws -> (imageToText: JointSpace, textToImage: JointSpace) {
        let (i2t, t2i) = try models(imageInput: features.imageFeatures.columns, textInput: features.textFeatures.columns)
        let first = JointSpace(
            images: try i2t.embedImages(features.imageFeatures), texts: try i2t.embedTexts(features.textFeatures), metric: metric)
        guard separateDirections else { return (first, first) }
        let second = JointSpace(
            images: try t2i.embedImages(features.imageFeatures), texts: try t2i.embedTexts(features.textFeatures), metric: metric)
        return (first, second)
    }

    /// Copies what embedding a query needs into `target` (replacing it): the configuration, the best
    /// weights, the calibration and a GRU's Doc2Vec model, so that an index can be moved and served on its own.
    public func copyModel(to target: URL) throws {
        let manager = FileManager.default
        try? manager.removeItem(at: target)
        let copy = RunFolder(target)
        try copy.create()
        var description = self.description
        description.doc2vec = nil
        if usesTokens, let doc2vec {
            try doc2vec.save(to: copy.doc2vecFolder)
            description.doc2vec = copy.doc2vecFolder.lastPathComponent
        }
        description.separateDirections = separateDirections
        try description.write(to: copy)
        if let calibration = try RunCalibration.read(from: folder) { try RunCalibration.write(calibration, to: copy) }
        for (source, destination) in zip(models.map(\.folder), copy.models(separateDirections: separateDirections).map(\.folder)) {
            try manager.createDirectory(at: destination.url, withIntermediateDirectories: true)
            try manager.copyItem(at: source.bestCheckpoint, to: destination.bestCheckpoint)
        }
    }
}
