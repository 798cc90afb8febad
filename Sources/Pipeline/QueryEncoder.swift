import Encoders
import Evaluation
import Foundation
import Numerics
import Search
import TextModels
import Training

/// Embeds one query at a time with a run's encoders and towers: texts with the text→image model's
/// text tower, images with the image→text model's image tower (also used for image→image).
///
/// Safe to call from several threads: the encoders are pure, and the towers (which keep the last
/// batch for a backward pass) run under a lock; they are microseconds beside the encoders.
public final class QueryEncoder: @unchecked Sendable {
    private let run: TrainedRun
    private let imageModel: JointModel
    private let textModel: JointModel
    private let miniLM: MiniLMEncoder?
    private let words: WordVectors?
    private let store: ModelStore
    private let towerLock = NSLock()
    private let imageEncoderLock = NSLock()
    private var imageEncoder: EfficientNetLite?

    /// The joint space's width.
    public var dimension: Int { run.description.training.embeddingDimension }

    /// The run's score → match probability (its phrases embedded), or nil for a run trained before calibrations.
    public private(set) var calibration: MatchCalibration?

    /// The calibration for image queries' captions: the same as for text queries in a joint space; none for
    /// separate direction models (it was fitted on the text→image model's scores).
    public var imageQueryCalibration: MatchCalibration? { run.separateDirections ? nil : calibration }

    /// Loads the run in `modelFolder`, its calibration and the encoders it needs (the image encoder on first use).
    public convenience init(modelFolder: URL, store: ModelStore, observer: PipelineObserver = .silent) throws {
        try self.init(run: TrainedRun.open(modelFolder.path, observer: observer), store: store, loadCalibration: true)
    }

    /// The encoders of an opened run; with `loadCalibration`, its calibration too (phrases embedded).
    public init(run: TrainedRun, store: ModelStore, loadCalibration: Bool = false) throws {
        self.run = run
        calibration = nil
        self.store = store
        var textInput = 1  // a GRU reads token rows of any width
        switch (run.usesTokens, run.description.textEncoder) {
        case (true, _):
            miniLM = nil
            words = nil
        case (false, .minilm):
            let encoder = try MiniLMEncoder(folder: store.miniLM)
            textInput = encoder.hidden
            miniLM = encoder
            words = nil
        case (false, .gloveMean), (false, .gloveSum):
            let vectors = try FeatureExtraction.wordVectors(store: store)
            textInput = vectors.dimension
            miniLM = nil
            words = vectors
        }
        (imageModel, textModel) = try run.models(imageInput: EfficientNetLite.featureDimension, textInput: textInput)
        if loadCalibration, var stored = try RunCalibration.read(from: run.folder) {
            try RunCalibration.attachPhrases(&stored, encoder: self)
            calibration = stored
        }
    }

    /// Short texts (a calibration's phrases) embedded as text queries, one row each, in batches of 256.
    /// - Complexity: one text-encoder pass per phrase.
    public func embedPhrases(_ phrases: [String]) throws -> Matrix {
        var rows = Matrix(rows: phrases.count, columns: dimension)
        for start in stride(from: 0, to: phrases.count, by: 256) {
            let batch = Array(phrases[start..<min(phrases.count, start + 256)])
            let embedded = try towerLock.withLock { [textModel] () throws -> Matrix in
                try textModel.embedTexts(textFeatures(batch, deadline: .never))
            }
            guard embedded.rows == batch.count, embedded.columns == dimension else {
                throw PipelineError("the run's text tower gave \(embedded.rows)×\(embedded.columns) for \(batch.count) phrases")
            }
            rows.values.replaceSubrange(start * dimension..<(start + batch.count) * dimension, with: embedded.values)
        }
        return rows
    }

    /// The words of `text` the run's text side would leave out, or nil for a run that reads any text
    /// (MiniLM splits an unknown word into word pieces it knows).
    /// - Complexity: O(length of the text).
    public func words(of text: String) -> QueryWords? {
        if miniLM != nil { return nil }
        if let words { return QueryWords(tokens: WordVectors.tokenize(text)) { words.vector(for: $0) != nil } }
        guard let doc2vec = run.doc2vec else { return nil }
        return QueryWords(tokens: doc2vec.configuration.preprocessing.tokens(text), knows: doc2vec.knows)
    }

    /// The run's vocabulary in words, for messages.
    private var vocabularyDescription: String {
        if let words { return "the \(grouped(words.words.count)) words of its word vectors (GloVe)" }
        return "the \(grouped(run.doc2vec?.vocabulary.count ?? 0)) words of its training texts"
    }

    /// The text's embedding in the text→image space; throws `DeadlineExceeded` once `deadline` passes,
    /// and ``NoKnownWords`` when the run has a closed vocabulary and knows none of the text's words.
    public func embed(text: String, deadline: Deadline = .never) throws -> [Float] {
        if let check = words(of: text), check.known == 0 {
            throw NoKnownWords(unknown: check.unknown, vocabulary: vocabularyDescription)
        }
        let features = try textFeatures([text], deadline: deadline)
        return try towerLock.withLock { try textModel.embedTexts(features).values }
    }

    private func textFeatures(_ texts: [String], deadline: Deadline) throws -> Matrix {
        if let miniLM { return try miniLM.embed(texts, deadline: deadline) }
        if let words { return words.embed(texts, aggregation: run.description.textEncoder == .gloveSum ? .sum : .mean).features }
        if let doc2vec = run.doc2vec { return GRUInput.tokenMatrix(texts, model: doc2vec, settings: run.tokens) }
        throw PipelineError("the run in \(run.folder.url.path) has no text encoder")
    }

    private func loadedImageEncoder() throws -> EfficientNetLite {
        try imageEncoderLock.withLock { () throws -> EfficientNetLite in
            if let imageEncoder { return imageEncoder }
            let loaded = try store.loadEfficientNet(run.description.imageEncoder.variant)
            imageEncoder = loaded
            return loaded
        }
    }

    /// What the run's image tower reads: pooled features, or (a fine-tuned run) the maps its own blocks
    /// turn into features, never the pretrained network's pooled features.
    private func imageFeatures(_ images: [RGBImage], deadline: Deadline) throws -> Matrix {
        let encoder = try loadedImageEncoder()
        switch run.imageStage {
        case .pooled: return try encoder.features(images, deadline: deadline)
        case .maps(let blocks, _): return try encoder.maps(images, beforeLast: blocks, deadline: deadline)
        }
    }

    /// Decoding limits that cover the run's image encoder.
    public var decodeLimits: DecodeLimits { run.description.imageEncoder.decodeLimits }

    /// The image's embedding in the image→text space; throws `DeadlineExceeded` once `deadline` passes.
    public func embed(image: RGBImage, deadline: Deadline = .never) throws -> [Float] {
        let features = try imageFeatures([image], deadline: deadline)
        try deadline.check()
        return try towerLock.withLock { try imageModel.embedImages(features).values }
    }

    /// Gallery vectors of images, as `index build` stores them: each image in the image→text space
    /// (`images`) and, for a run with separate direction models, in the text→image space
    /// (`images-for-text-queries`).
    public func galleryVectors(images: [RGBImage], deadline: Deadline = .never) throws -> [[VectorSet: [Float]]] {
        guard !images.isEmpty else { return [] }
        let features = try imageFeatures(images, deadline: deadline)
        try deadline.check()
        let (forCaptions, forTexts) = try towerLock.withLock { () throws -> (Matrix, Matrix?) in
            (try imageModel.embedImages(features), run.separateDirections ? try textModel.embedImages(features) : nil)
        }
        return (0..<images.count).map { row in
            var vectors: [VectorSet: [Float]] = [.images: forCaptions.row(row)]
            if let forTexts { vectors[.imagesForTextQueries] = forTexts.row(row) }
            return vectors
        }
    }

    /// Gallery vectors of captions: each text in the image→text space (the `captions` set).
    public func galleryVectors(captions: [String], deadline: Deadline = .never) throws -> [[Float]] {
        guard !captions.isEmpty else { return [] }
        let features = try textFeatures(captions, deadline: deadline)
        let embedded = try towerLock.withLock { try imageModel.embedTexts(features) }
        return (0..<captions.count).map { embedded.row($0) }
    }
}
