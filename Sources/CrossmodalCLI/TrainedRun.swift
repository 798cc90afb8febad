import ArgumentParser
import Foundation
import Numerics
import TensorFiles
import TextModels
import Training

/// A finished run folder opened for use: its description, its Doc2Vec model if it has one, and the
/// best checkpoint's towers.
struct TrainedRun {
    /// The run folder.
    let folder: URL
    /// Its `config.json`.
    let description: RunDescription
    /// The Doc2Vec model the run used (GRU word embeddings and neighbourhoods), if any.
    let doc2vec: Doc2VecModel?

    /// Whether the run trained separate image→text and text→image models.
    var separateDirections: Bool {
        description.separateDirections
            ?? FileManager.default.fileExists(atPath: folder.appendingPathComponent("image-to-text/best.safetensors").path)
    }

    /// Whether the text tower reads Doc2Vec token ids (a GRU) rather than sentence features.
    var usesTokens: Bool { description.training.textRecurrentHidden != nil }

    var imageEncoder: ImageEncoderName { ImageEncoderName(rawValue: description.imageEncoder) ?? .efficientnetLite0 }
    var textEncoder: TextEncoderName { TextEncoderName(rawValue: description.textEncoder) ?? .minilm }

    /// Opens `path`; the Doc2Vec model is loaded when the description names one or the folder holds one.
    static func open(_ path: String) throws -> TrainedRun {
        let folder = URL(fileURLWithPath: path)
        let description = try RunDescription.read(from: folder)
        var doc2vecFolder: URL?
        if let recorded = description.doc2vec {
            doc2vecFolder = recorded.hasPrefix("/") ? URL(fileURLWithPath: recorded) : folder.appendingPathComponent(recorded)
        } else if FileManager.default.fileExists(atPath: folder.appendingPathComponent("doc2vec/model.safetensors").path) {
            doc2vecFolder = folder.appendingPathComponent("doc2vec")
        }
        var doc2vec: Doc2VecModel?
        if let doc2vecFolder {
            do {
                doc2vec = try Doc2VecModel.load(from: doc2vecFolder)
            } catch where description.training.textRecurrentHidden == nil {
                warn("note: the run's Doc2Vec model at \(doc2vecFolder.path) could not be read (\(error)); neighbourhood preservation is skipped")
            }
        }
        if description.training.textRecurrentHidden != nil, doc2vec == nil {
            throw ValidationError("\(path): the GRU text tower needs the run's Doc2Vec model, which is missing (expected \(folder.appendingPathComponent("doc2vec").path))")
        }
        return TrainedRun(folder: folder, description: description, doc2vec: doc2vec)
    }

    /// The best checkpoints' towers for inputs of the given widths: (image→text model, text→image model),
    /// the same model twice unless the run trained separate directions.
    func models(imageInput: Int, textInput: Int) throws -> (imageToText: JointModel, textToImage: JointModel) {
        func load(_ subfolder: String?) throws -> JointModel {
            let base = subfolder.map { folder.appendingPathComponent($0) } ?? folder
            let checkpoint = base.appendingPathComponent("best.safetensors")
            guard FileManager.default.fileExists(atPath: checkpoint.path) else {
                throw ValidationError("\(checkpoint.path) is missing: the run has not finished an epoch yet")
            }
            let model = try JointModel(
                configuration: description.training, imageInput: imageInput, textInput: textInput,
                wordEmbeddings: usesTokens ? doc2vec?.wordVectors : nil)
            try model.load(SafetensorsFile.read(checkpoint).tensors, prefix: "param.", file: checkpoint.path)
            return model
        }
        guard separateDirections else {
            let model = try load(nil)
            return (model, model)
        }
        return (try load("image-to-text"), try load("text-to-image"))
    }

    /// Joint-space embeddings of a split's features: for each direction, (images, texts).
    func embed(_ features: SplitFeatures) throws -> (imageToText: (Matrix, Matrix), textToImage: (Matrix, Matrix)) {
        let (i2t, t2i) = try models(imageInput: features.imageFeatures.columns, textInput: features.textFeatures.columns)
        let first = (try i2t.embedImages(features.imageFeatures), try i2t.embedTexts(features.textFeatures))
        guard separateDirections else { return (first, first) }
        return (first, (try t2i.embedImages(features.imageFeatures), try t2i.embedTexts(features.textFeatures)))
    }
}
