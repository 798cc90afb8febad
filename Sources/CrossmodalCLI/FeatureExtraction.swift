import ArgumentParser
import Datasets
import Dispatch
import Encoders
import Foundation
import Numerics
import TensorFiles

/// Features of a list of images or captions, with the ids of the rows and what was skipped.
struct ExtractedFeatures {
    var vectors: Matrix
    var ids: [String]
    var skipped: [String]
    var cached: Bool
    var note = ""
}

/// The one place that turns dataset items into encoder features, with the content-keyed cache;
/// `embed` writes the result to files, `train` and the later stages use it directly.
enum FeatureExtraction {
    /// EfficientNet-Lite0 features of `images`; unreadable images are skipped (or stop the run under `strict`).
    static func images(
        _ images: [DatasetImage], encoder: ImageEncoderName, store: ModelStore, cache: EmbeddingCache?,
        strict: Bool, batchSize: Int = 16
    ) throws -> ExtractedFeatures {
        let weights = try store.require(store.efficientNetLite0, model: "EfficientNet-Lite0")
        var hasher = ContentHasher()
        hasher.combine("images/\(encoder.rawValue)/v1")
        hasher.combine(UInt64((try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0))
        for image in images {
            hasher.combine(image.id)
            if let data = try? Data(contentsOf: image.file) {
                data.withUnsafeBytes { hasher.combine(bytes: $0) }
            } else {
                hasher.combine("<unreadable>")
            }
        }
        let key = "images-\(encoder.rawValue)-\(hasher.hexDigest)"
        if let cache, let hit = cache.load(key), !strict || hit.skipped.isEmpty {
            for line in hit.skipped { warn("skipped \(line)") }
            return ExtractedFeatures(vectors: hit.vectors, ids: hit.ids, skipped: hit.skipped, cached: true)
        }
        let model = try EfficientNetLite0(weightsFile: weights)
        var values: [Float] = []
        values.reserveCapacity(images.count * EfficientNetLite0.featureDimension)
        var ids: [String] = []
        var skipped: [String] = []
        let progress = ProgressBar(total: images.count, unit: "images")
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let batch = Array(images[start..<min(start + batchSize, images.count)])
            var good: [RGBImage] = []
            for (image, result) in zip(batch, decodeConcurrently(batch.map(\.file))) {
                switch result {
                case .success(let pixels):
                    good.append(pixels)
                    ids.append(image.id)
                case .failure(let error):
                    if strict {
                        progress.finish()
                        throw ValidationError("\(error.message) (--strict stops at the first unreadable image)")
                    }
                    warn("skipped \(error.message)")
                    skipped.append(error.message)
                }
            }
            values += model.features(good).values
            progress.advance(by: batch.count)
        }
        progress.finish()
        let vectors = try Matrix(rows: ids.count, columns: EfficientNetLite0.featureDimension, values: values)
        cache?.store(key, vectors: vectors, ids: ids, skipped: skipped)
        return ExtractedFeatures(vectors: vectors, ids: ids, skipped: skipped, cached: false)
    }

    /// Sentence or word-vector features of `captions`.
    static func texts(
        _ captions: [CaptionRecord], encoder: TextEncoderName, store: ModelStore, cache: EmbeddingCache?,
        vectorsFile: String? = nil, batchSize: Int = 64
    ) throws -> ExtractedFeatures {
        var hasher = ContentHasher()
        hasher.combine("texts/\(encoder.rawValue)/v1")
        if let vectorsFile {
            hasher.combine(vectorsFile)
            hasher.combine(UInt64((try? FileManager.default.attributesOfItem(atPath: vectorsFile)[.size] as? Int) ?? 0))
        }
        for caption in captions {
            hasher.combine(caption.id)
            hasher.combine(caption.text)
        }
        let key = "texts-\(encoder.rawValue)-\(hasher.hexDigest)"
        let ids = captions.map(\.id)
        if let cache, let hit = cache.load(key), hit.ids == ids {
            return ExtractedFeatures(vectors: hit.vectors, ids: hit.ids, skipped: [], cached: true)
        }
        let texts = captions.map(\.text)
        var result = ExtractedFeatures(vectors: Matrix(rows: 0, columns: 0), ids: ids, skipped: [], cached: false)
        switch encoder {
        case .minilm:
            let model = try MiniLMEncoder(folder: store.miniLM)
            var values: [Float] = []
            values.reserveCapacity(texts.count * model.hidden)
            let progress = ProgressBar(total: texts.count, unit: "captions")
            for start in stride(from: 0, to: texts.count, by: batchSize) {
                let batch = Array(texts[start..<min(start + batchSize, texts.count)])
                values += model.embed(batch).values
                progress.advance(by: batch.count)
            }
            progress.finish()
            result.vectors = try Matrix(rows: texts.count, columns: model.hidden, values: values)
        case .gloveMean, .gloveSum:
            let words: WordVectors
            if let vectorsFile {
                words = try WordVectors.loadText(URL(fileURLWithPath: vectorsFile))
            } else {
                words = try WordVectors.load(
                    wordsFile: store.require(store.gloveWords, model: "GloVe words"),
                    vectorsFile: store.require(store.gloveVectors, model: "GloVe vectors"))
            }
            let (features, known) = words.embed(texts, aggregation: encoder == .gloveMean ? .mean : .sum)
            let empty = known.filter { $0 == 0 }.count
            if empty > 0 { result.note = "; \(grouped(empty)) caption(s) had no known word and are zero vectors" }
            result.vectors = features
        }
        cache?.store(key, vectors: result.vectors, ids: ids, skipped: [])
        return result
    }

    /// Reads and decodes files on all cores, keeping input order.
    static func decodeConcurrently(_ files: [URL]) -> [Result<RGBImage, EncoderError>] {
        let results = UnsafeMutableBufferPointer<Result<RGBImage, EncoderError>>.allocate(capacity: files.count)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let result = Result { () throws(EncoderError) in try RGBImage.load(files[index]) }
            (slots.baseAddress! + index).initialize(to: result)
        }
        let collected = Array(results)
        _ = results.deinitialize()
        return collected
    }
}

/// Writes a line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
