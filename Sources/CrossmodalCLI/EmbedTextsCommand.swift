import ArgumentParser
import Foundation
import Pipeline
import TensorFiles

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
        guard embedOptions.into == nil else { throw ValidationError("--into shares image embedding only; embed texts with --out (and --shard I/N)") }
        let shard = try embedOptions.shardSelection()
        let captions = try datasetOptions.load().captions(in: embedOptions.split).filter { shard.contains($0.imageID) }
        guard !captions.isEmpty else { throw ValidationError("shard \(shard) of split \(embedOptions.split) holds no captions") }
        let started = Date()
        let result = try FeatureExtraction.texts(
            captions, encoder: encoder, store: embedOptions.modelStore(), cache: embedOptions.cache,
            vectorsFile: vectors, batchSize: embedOptions.batchSize ?? 64, observer: .console)
        try EmbeddingFile.write(result.vectors, ids: result.ids, to: embedOptions.outURL)
        let elapsed = Date().timeIntervalSince(started)
        print("wrote \(grouped(result.vectors.rows)) × \(result.vectors.columns) \(encoder.rawValue) caption features to \(embedOptions.outURL.path) "
            + "(ids: \(EmbeddingFile.idsURL(for: embedOptions.outURL).lastPathComponent)) in \(formatDuration(elapsed))"
            + (result.cached ? " from the cache" : String(format: ", %.1f captions/s", Double(result.vectors.rows) / max(elapsed, 1e-9)) + result.note))
    }
}
