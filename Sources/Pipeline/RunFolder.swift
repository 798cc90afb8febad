import Foundation
import Training

/// The layout of a run folder, the one place that names its files:
///
/// ```
/// RUN/config.json                 RunDescription
/// RUN/best.safetensors, last.safetensors, metrics.jsonl     (one joint model), or
/// RUN/image-to-text/…, RUN/text-to-image/…                   (separate direction models)
/// RUN/doc2vec/                    the Doc2Vec model trained for the run
/// RUN/neighbors.safetensors       its caption neighbourhoods
/// RUN/calibration.json            score → match probability, fitted on the validation split
/// ```
public struct RunFolder: Sendable, Equatable {
    /// The folder.
    public let url: URL

    /// A run kept in `url`.
    public init(_ url: URL) { self.url = url }

    /// A run kept at `path`.
    public init(path: String) { self.init(URL(fileURLWithPath: path)) }

    /// `config.json`.
    public var configurationFile: URL { url.appendingPathComponent("config.json") }
    /// The Doc2Vec model a run trains for itself.
    public var doc2vecFolder: URL { url.appendingPathComponent("doc2vec") }
    /// The neighbour file a run computes for itself.
    public var neighborsFile: URL { url.appendingPathComponent("neighbors.safetensors") }
    /// `calibration.json`: the fitted similarity → match probability (``MatchCalibration``).
    public var calibrationFile: URL { url.appendingPathComponent("calibration.json") }

    /// Subfolder names of separately trained directions.
    public static let directionFolders = (imageToText: "image-to-text", textToImage: "text-to-image")

    /// The model of a joint run.
    public var jointModel: ModelFolder { ModelFolder(url) }
    /// The image→text model of a run with separate directions.
    public var imageToTextModel: ModelFolder { ModelFolder(url.appendingPathComponent(Self.directionFolders.imageToText)) }
    /// The text→image model of a run with separate directions.
    public var textToImageModel: ModelFolder { ModelFolder(url.appendingPathComponent(Self.directionFolders.textToImage)) }

    /// The models the run holds, with a label each: one joint model, or the two directions'.
    public func models(separateDirections: Bool) -> [(label: String, folder: ModelFolder)] {
        separateDirections
            ? [("image→text model", imageToTextModel), ("text→image model", textToImageModel)] : [("", jointModel)]
    }

    /// Whether the folder holds separately trained directions (for runs whose config predates the flag).
    public var looksSeparate: Bool { imageToTextModel.hasBestCheckpoint }

    /// Creates the folder.
    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
}
