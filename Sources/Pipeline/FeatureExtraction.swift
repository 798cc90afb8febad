import Datasets
import Encoders
import Foundation
import Numerics
import SafeFiles

/// The one place that turns dataset items into encoder features, with the content-keyed cache;
/// `embed` writes the result to files, `train` and the later stages use it directly.
public enum FeatureExtraction {
    /// Image features of `images`; unreadable images, and images over `limits`, are skipped (or stop the
    /// run under `strict`). Large JPEGs are decoded at the smallest DCT scale that covers the encoder's input.
    ///
    /// `stage` chooses pooled features or the feature maps a fine-tuning run trains on (with mirrors:
    /// each row holds the image's map, then its horizontal mirror's). `network`, when given, is `encoder`
    /// already loaded, for callers that extract many small batches.
    public static func images(
        _ images: [DatasetImage], encoder: ImageEncoderName, store: ModelStore, cache: EmbeddingCache?,
        strict: Bool, batchSize: Int = 16, limits: DecodeLimits = .forImageEncoder, stage: ImageFeatureStage = .pooled,
        network: EfficientNetLite? = nil, observer: PipelineObserver = .silent
    ) throws -> ExtractedFeatures {
        let variant = encoder.variant
        let weights = try store.require(store.efficientNet(variant), model: encoder.rawValue)
        let limits = limits.covering(variant.inputSize)
        var hasher = ContentHasher()
        // v2: large JPEGs are decoded at a reduced DCT scale, so their features differ from v1's.
        hasher.combine("images/\(encoder.rawValue)/v2")
        if case .maps(let blocks, let mirrors) = stage { hasher.combine("maps/\(blocks)/\(mirrors ? "mirrors" : "plain")") }
        hasher.combine(UInt64(limits.maxPixels))
        hasher.combine(UInt64((try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0))
        for image in images {
            hasher.combine(image.id)
            // The same safe read the decoder makes: a FIFO or a device in a dataset must not hang the hash.
            if let data = try? image.bytes(maxBytes: RGBImage.maxFileBytes) {
                data.withUnsafeBytes { hasher.combine(bytes: $0) }
            } else {
                hasher.combine("<unreadable>")
            }
        }
        let key = "images-\(encoder.rawValue)-\(hasher.hexDigest)"
        if let cache, let hit = cache.load(key), !strict || hit.skipped.isEmpty {
            for line in hit.skipped { observer.note("skipped \(line)") }
            return ExtractedFeatures(vectors: hit.vectors, ids: hit.ids, skipped: hit.skipped, cached: true)
        }
        // A caller embedding batch after batch (a work-table worker) passes the network it loaded once.
        if let network, network.inputSize != variant.inputSize {
            throw PipelineError("the network given for \(encoder.rawValue) reads \(network.inputSize)-pixel images, not \(variant.inputSize)")
        }
        let model = try network ?? EfficientNetLite(weightsFile: weights, variant: variant)
        let width: Int
        switch stage {
        case .pooled: width = EfficientNetLite.featureDimension
        case .maps(let blocks, let mirrors):
            guard blocks >= 1, blocks <= model.blockCount else {
                throw PipelineError("\(encoder.rawValue) has \(model.blockCount) blocks; fine-tune between 1 and \(model.blockCount)")
            }
            let shape = model.mapShape(beforeLast: blocks)
            width = shape.height * shape.width * shape.channels * (mirrors ? 2 : 1)
        }
        // Sizes are checked before allocating: maps are large, and a dataset can hold many images.
        let bytes = images.count.multipliedReportingOverflow(by: width * 4)
        guard !bytes.overflow, bytes.partialValue <= maxFeatureBytes else {
            throw PipelineError("the image features of \(images.count) images would take \(formatBytes(bytes.overflow ? Int.max : bytes.partialValue)), "
                + "over the \(formatBytes(maxFeatureBytes)) allowed; fine-tune fewer blocks, turn mirrors off or use fewer images")
        }
        var values: [Float] = []
        values.reserveCapacity(images.count * width)
        var ids: [String] = []
        var skipped: [String] = []
        try observer.step("images", total: images.count) { counter in
            for start in stride(from: 0, to: images.count, by: batchSize) {
                let batch = Array(images[start..<min(start + batchSize, images.count)])
                var good: [RGBImage] = []
                let decoded = Parallel.map(batch.count) { index in
                    Result { () throws(EncoderError) in try batch[index].decoded(limits: limits) }
                }
                for (image, result) in zip(batch, decoded) {
                    switch result {
                    case .success(let pixels):
                        good.append(pixels)
                        ids.append(image.id)
                    case .failure(let error):
                        if strict { throw PipelineError("\(error.message) (--strict stops at the first unreadable image)") }
                        observer.note("skipped \(error.message)")
                        skipped.append(error.message)
                    }
                }
                switch stage {
                case .pooled: values += model.features(good).values
                case .maps(let blocks, false): values += model.maps(good, beforeLast: blocks).values
                case .maps(let blocks, true):
                    let plain = model.maps(good, beforeLast: blocks), mirrored = model.maps(good.map { $0.mirrored() }, beforeLast: blocks)
                    for row in 0..<good.count { values += plain.row(row) + mirrored.row(row) }
                }
                counter.advance(by: batch.count)
            }
        }
        let vectors = try Matrix(rows: ids.count, columns: width, values: values)
        cache?.store(key, vectors: vectors, ids: ids, skipped: skipped, observer: observer)
        return ExtractedFeatures(vectors: vectors, ids: ids, skipped: skipped, cached: false)
    }

    /// The most memory image features may take (12 GiB: Lite2 maps of 30,000 images with mirrors fit, twice over).
    public static let maxFeatureBytes = 12 << 30

    /// A byte count in MB or GB.
    static func formatBytes(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? String(format: "%.1f GB", Double(bytes) / Double(1 << 30)) : String(format: "%.0f MB", Double(bytes) / Double(1 << 20))
    }

    /// Sentence or word-vector features of `captions`; `vectorsFile` replaces GloVe with the user's own
    /// word2vec/fastText `.vec` or GloVe `.txt`.
    public static func texts(
        _ captions: [CaptionRecord], encoder: TextEncoderName, store: ModelStore, cache: EmbeddingCache?,
        vectorsFile: String? = nil, batchSize: Int = 64, observer: PipelineObserver = .silent
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
            observer.step("captions", total: texts.count) { counter in
                for start in stride(from: 0, to: texts.count, by: batchSize) {
                    let batch = Array(texts[start..<min(start + batchSize, texts.count)])
                    values += model.embed(batch).values
                    counter.advance(by: batch.count)
                }
            }
            result.vectors = try Matrix(rows: texts.count, columns: model.hidden, values: values)
        case .gloveMean, .gloveSum:
            let words = try wordVectors(store: store, file: vectorsFile)
            let (features, known) = words.embed(texts, aggregation: encoder == .gloveMean ? .mean : .sum)
            let empty = known.filter { $0 == 0 }.count
            if empty > 0 { result.note = "; \(grouped(empty)) caption(s) had no known word and are zero vectors" }
            result.vectors = features
        }
        cache?.store(key, vectors: result.vectors, ids: ids, skipped: [], observer: observer)
        return result
    }

    /// The user's word-vector file, or the GloVe vectors set-up unpacked.
    static func wordVectors(store: ModelStore, file: String? = nil) throws -> WordVectors {
        if let file { return try WordVectors.loadText(URL(fileURLWithPath: file)) }
        return try WordVectors.load(
            wordsFile: store.require(store.gloveWords, model: "GloVe words"),
            vectorsFile: store.require(store.gloveVectors, model: "GloVe vectors"))
    }
}

extension DatasetImage {
    /// The image decoded within `limits` from its file or its shard's member; errors name where it is.
    public func decoded(limits: DecodeLimits = .standard) throws(EncoderError) -> RGBImage {
        let data: Data
        do {
            data = try bytes(maxBytes: RGBImage.maxFileBytes)
        } catch {
            throw EncoderError(error.message)
        }
        do {
            return try RGBImage.decode(data, limits: limits)
        } catch {
            throw EncoderError("\(location): \(error.message)")
        }
    }
}
