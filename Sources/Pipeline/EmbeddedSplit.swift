import Datasets
import Encoders
import Evaluation
import Foundation
import Numerics
import TextModels

/// One split embedded with a trained run: the encoder features and the joint space of each
/// direction's model (the same space twice unless the run trained separate directions).
public struct EmbeddedSplit {
    /// The run.
    public let run: TrainedRun
    /// The split's name.
    public let split: String
    /// The encoder features, rows aligned with the spaces'.
    public let features: SplitFeatures
    /// Images and texts in the image→text model's space.
    public let imageToText: JointSpace
    /// Images and texts in the text→image model's space.
    public let textToImage: JointSpace
    /// Where the pretrained weights are, for embedding more texts with the run (a calibration's phrases).
    public let store: ModelStore

    /// A split embedded elsewhere.
    public init(run: TrainedRun, split: String, features: SplitFeatures, imageToText: JointSpace, textToImage: JointSpace, store: ModelStore) {
        (self.run, self.split, self.features, self.imageToText, self.textToImage, self.store) = (run, split, features, imageToText, textToImage, store)
    }

    /// Extracts (through the cache) and embeds `split` of `dataset` with `run`.
    public static func compute(
        run: TrainedRun, dataset: Dataset, split: String, store: ModelStore, cache: EmbeddingCache?, strict: Bool,
        observer: PipelineObserver = .silent
    ) throws -> EmbeddedSplit {
        let features = try SplitFeatures.extract(
            dataset: dataset, split: split, imageEncoder: run.description.imageEncoder, textEncoder: run.description.textEncoder,
            tokensFrom: run.usesTokens ? run.doc2vec : nil, tokens: run.tokens, store: store, cache: cache, strict: strict,
            imageStage: run.imageStage, observer: observer)
        let (i2t, t2i) = try run.embed(features)
        return EmbeddedSplit(run: run, split: split, features: features, imageToText: i2t, textToImage: t2i, store: store)
    }

    /// The spaces to write out, named by the run folder's subfolders ("." for a single joint space).
    public var spaces: [(name: String, space: JointSpace)] {
        run.separateDirections
            ? [(RunFolder.directionFolders.imageToText, imageToText), (RunFolder.directionFolders.textToImage, textToImage)]
            : [(".", imageToText)]
    }

    /// How spread out the images and texts are in the image→text model's space (the joint space of a joint run).
    public var spread: JointSpaceSpread { JointSpaceSpread(images: imageToText.images, texts: imageToText.texts) }

    /// Exact retrieval metrics of both directions.
    public func report(k: Int, folds: Int, memoryBudget: Int) throws -> RetrievalReport {
        try RetrievalReport.evaluate(
            imageToText: imageToText, textToImage: textToImage, captionImage: features.captionImage, k: k, folds: folds,
            memoryBudget: memoryBudget)
    }

    /// Overlap of learned neighbourhoods with Doc2Vec's (the run's model, or `reference` to compare runs
    /// against one model), or nil when there is none.
    ///
    /// Caption vectors are the model's own for training captions and inferred (seeded) for others; an
    /// image's Doc2Vec vector is the normalised mean of its captions'.
    public func preservation(k: Int, reference: Doc2VecModel? = nil, observer: PipelineObserver = .silent) throws -> PreservationReport? {
        guard let doc2vec = reference ?? run.doc2vec else { return nil }
        let captions = features.captions
        var known: [String: Int] = [:]
        for (row, id) in doc2vec.documentIDs.enumerated() { known[id] = row }
        let size = doc2vec.configuration.vectorSize
        var reference = Matrix(rows: captions.count, columns: size)
        let missing = captions.indices.filter { known[captions[$0].id] == nil }
        for (row, caption) in captions.enumerated() {
            if let source = known[caption.id] {
                for c in 0..<size { reference[row, c] = doc2vec.documentVectors[source, c] }
            }
        }
        if !missing.isEmpty {
            observer.note("Doc2Vec vectors for \(grouped(missing.count)) captions outside its training set (neighbourhood preservation)")
            let inferred = observer.step("captions", total: missing.count) { counter in
                Parallel.map(missing.count) { index in
                    defer { counter.advance() }
                    return doc2vec.infer(captions[missing[index]].text)
                }
            }
            for (index, row) in missing.enumerated() {
                for c in 0..<size { reference[row, c] = inferred[index][c] }
            }
        }
        let imageReference = NeighborhoodPreservation.groupMeans(
            reference.rowNormalized(), groups: features.captionImage, count: features.images.count)
        return PreservationReport(
            k: k,
            text: try NeighborhoodPreservation.overlap(learned: imageToText.texts, reference: reference, k: k),
            image: try NeighborhoodPreservation.overlap(learned: imageToText.images, reference: imageReference, k: k),
            textInputFeatures: run.usesTokens
                ? nil : try NeighborhoodPreservation.overlap(learned: features.textFeatures, reference: reference, k: k),
            imageInputFeatures: try NeighborhoodPreservation.overlap(learned: features.imageFeatures, reference: imageReference, k: k),
            textChance: NeighborhoodPreservation.chance(items: captions.count, k: k),
            imageChance: NeighborhoodPreservation.chance(items: features.images.count, k: k))
    }
}
