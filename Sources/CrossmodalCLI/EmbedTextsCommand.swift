import ArgumentParser
import Encoders
import Foundation
import Numerics
import TensorFiles

/// The text encoders `embed texts` offers.
enum TextEncoderName: String, ExpressibleByArgument, CaseIterable {
    case minilm
    case gloveMean = "glove-mean"
    case gloveSum = "glove-sum"
}

/// `crossmodal embed texts`: MiniLM sentence embeddings or GloVe bags of words of a split's captions.
struct EmbedTextsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "texts",
        abstract: "Embed a split's captions (MiniLM 384-d, or GloVe 50-d mean or sum).",
        discussion: "Caption ids are <image>#<n>. With --vectors, glove-mean and glove-sum use your own word2vec/fastText .vec file."
    )

    @OptionGroup var datasetOptions: DatasetOptions
    @OptionGroup var embedOptions: EmbedOptions

    @Option(help: "The text encoder: \(TextEncoderName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var encoder: TextEncoderName

    @Option(help: "A word2vec/fastText .vec (or GloVe .txt) file to use instead of GloVe 6B-50d.")
    var vectors: String?

    func validate() throws {
        if vectors != nil, encoder == .minilm {
            throw ValidationError("--vectors goes with glove-mean or glove-sum, not minilm")
        }
    }

    func run() throws {
        let captions = try datasetOptions.load().captions(in: embedOptions.split)
        let store = try embedOptions.modelStore()

        var hasher = ContentHasher()
        hasher.combine("texts/\(encoder.rawValue)/v1")
        if let vectors {
            hasher.combine(vectors)
            hasher.combine(UInt64((try? FileManager.default.attributesOfItem(atPath: vectors)[.size] as? Int) ?? 0))
        }
        for caption in captions {
            hasher.combine(caption.id)
            hasher.combine(caption.text)
        }
        let key = "texts-\(encoder.rawValue)-\(hasher.hexDigest)"
        let started = Date()
        let ids = captions.map(\.id)
        if let cache = embedOptions.cache, let hit = cache.load(key), hit.ids == ids {
            try EmbeddingFile.write(hit.vectors, ids: hit.ids, to: embedOptions.outURL)
            report(hit.vectors, started: started, note: " from the cache")
            return
        }

        let texts = captions.map(\.text)
        let result: Matrix
        var note = ""
        switch encoder {
        case .minilm:
            let model = try MiniLMEncoder(folder: store.miniLM)
            let batchSize = embedOptions.batchSize ?? 64
            var values: [Float] = []
            values.reserveCapacity(texts.count * model.hidden)
            let progress = ProgressBar(total: texts.count, unit: "captions")
            for start in stride(from: 0, to: texts.count, by: batchSize) {
                let batch = Array(texts[start..<min(start + batchSize, texts.count)])
                values += model.embed(batch).values
                progress.advance(by: batch.count)
            }
            progress.finish()
            result = try Matrix(rows: texts.count, columns: model.hidden, values: values)
        case .gloveMean, .gloveSum:
            let words: WordVectors
            if let vectors {
                words = try WordVectors.loadText(URL(fileURLWithPath: vectors))
            } else {
                words = try WordVectors.load(
                    wordsFile: store.require(store.gloveWords, model: "GloVe words"),
                    vectorsFile: store.require(store.gloveVectors, model: "GloVe vectors"))
            }
            let (features, known) = words.embed(texts, aggregation: encoder == .gloveMean ? .mean : .sum)
            let empty = known.filter { $0 == 0 }.count
            if empty > 0 { note = "; \(grouped(empty)) caption(s) had no known word and are zero vectors" }
            result = features
        }
        try EmbeddingFile.write(result, ids: ids, to: embedOptions.outURL)
        embedOptions.cache?.store(key, vectors: result, ids: ids, skipped: [])
        report(result, started: started, note: note)
    }

    func report(_ vectors: Matrix, started: Date, note: String) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(vectors.rows) / elapsed : 0
        print("wrote \(grouped(vectors.rows)) × \(vectors.columns) \(encoder.rawValue) caption features to \(embedOptions.out) "
            + "(ids: \(EmbeddingFile.idsURL(for: embedOptions.outURL).lastPathComponent)) in \(formatDuration(elapsed))"
            + (note.hasPrefix(" from") ? note : String(format: ", %.1f captions/s", rate) + note))
    }
}
