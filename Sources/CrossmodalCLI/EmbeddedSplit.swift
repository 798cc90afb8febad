import Datasets
import Dispatch
import Encoders
import Evaluation
import Foundation
import Numerics
import TextModels

/// One split embedded with a trained run: the encoder features and the joint-space embeddings of each
/// direction's model (the same for both unless the run trained separate directions).
struct EmbeddedSplit {
    let run: TrainedRun
    let split: String
    let features: SplitFeatures
    /// (images, texts) in the image→text model's space.
    let imageToText: (Matrix, Matrix)
    /// (images, texts) in the text→image model's space.
    let textToImage: (Matrix, Matrix)

    /// Extracts (through the cache) and embeds `split` of `dataset` with `run`.
    static func compute(
        run: TrainedRun, dataset: Dataset, split: String, models: String?, cacheDir: String?, strict: Bool
    ) throws -> EmbeddedSplit {
        let store = try ModelStore.locate(explicit: models)
        let cache = EmbeddingCache(folder: cacheDir.map { URL(fileURLWithPath: $0) } ?? EmbeddingCache.defaultFolder)
        let features = try SplitFeatures.extract(
            dataset: dataset, split: split, imageEncoder: run.imageEncoder, textEncoder: run.textEncoder,
            tokensFrom: run.usesTokens ? run.doc2vec : nil, store: store, cache: cache, strict: strict)
        let (i2t, t2i) = try run.embed(features)
        return EmbeddedSplit(run: run, split: split, features: features, imageToText: i2t, textToImage: t2i)
    }

    /// How spread out the images and texts are in the image→text model's space (the joint space of a joint run).
    var spread: JointSpaceSpread { JointSpaceSpread(images: imageToText.0, texts: imageToText.1) }

    /// Exact retrieval metrics of both directions.
    func report(k: Int, folds: Int, memoryBudget: Int) throws -> RetrievalReport {
        try RetrievalReport.evaluate(
            imageToText: imageToText, textToImage: textToImage, captionImage: features.captionImage, k: k, folds: folds,
            metric: run.description.training.rankingMetric, memoryBudget: memoryBudget)
    }

    /// Overlap of learned neighbourhoods with Doc2Vec's, or nil when the run has no Doc2Vec model.
    ///
    /// Caption vectors are the model's own for training captions and inferred (seeded) for others; an
    /// image's Doc2Vec vector is the normalised mean of its captions'.
    func preservation(k: Int) throws -> PreservationReport? {
        guard let doc2vec = run.doc2vec else { return nil }
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
            warn("Doc2Vec vectors for \(grouped(missing.count)) captions outside its training set (neighbourhood preservation)")
            let progress = ProgressBar(total: missing.count, unit: "captions")
            let inferred = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: missing.count)
            inferred.initialize(repeating: [])
            defer { inferred.deallocate() }
            nonisolated(unsafe) let slots = inferred
            let done = SendableProgress(progress)
            DispatchQueue.concurrentPerform(iterations: missing.count) { index in
                slots[index] = doc2vec.infer(captions[missing[index]].text)
                done.advance(by: 1)
            }
            progress.finish()
            for (index, row) in missing.enumerated() {
                for c in 0..<size { reference[row, c] = inferred[index][c] }
            }
        }
        let imageReference = NeighborhoodPreservation.groupMeans(
            reference.rowNormalized(), groups: features.captionImage, count: features.images.count)
        let (images, texts) = imageToText
        return PreservationReport(
            k: k,
            text: try NeighborhoodPreservation.overlap(learned: texts, reference: reference, k: k),
            image: try NeighborhoodPreservation.overlap(learned: images, reference: imageReference, k: k),
            textInputFeatures: run.usesTokens
                ? nil : try NeighborhoodPreservation.overlap(learned: features.textFeatures, reference: reference, k: k),
            imageInputFeatures: try NeighborhoodPreservation.overlap(learned: features.imageFeatures, reference: imageReference, k: k),
            textChance: NeighborhoodPreservation.chance(items: captions.count, k: k),
            imageChance: NeighborhoodPreservation.chance(items: features.images.count, k: k))
    }
}
