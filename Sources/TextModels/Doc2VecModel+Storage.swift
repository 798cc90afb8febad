import Foundation
import SafeFiles
import Numerics
import TensorFiles

extension Doc2VecModel {
    /// Writes `model.safetensors` (word, document and output weights; word counts; the configuration
    /// as metadata), `vocab.txt` and `document_vectors.npy` with `document_vectors.ids.txt`.
    public func save(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Keys sorted: Foundation's encoder otherwise orders them by a per-process hash, and the same model
        // would not give the same file twice.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configurationJSON = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        let archive = SafetensorsArchive(
            tensors: [
                "word_vectors": Tensor(wordVectors),
                "document_vectors": Tensor(documentVectors),
                "output_weights": Tensor(outputWeights),
                "word_counts": try Tensor(int64: wordCounts.map(Int64.init), shape: [wordCounts.count]),
            ],
            metadata: ["format": "crossmodal-doc2vec-1", "configuration": configurationJSON])
        try SafetensorsFile.write(archive, to: folder.appendingPathComponent("model.safetensors"))
        try Data((vocabulary.joined(separator: "\n") + "\n").utf8)
            .write(to: folder.appendingPathComponent("vocab.txt"), options: .atomic)
        try EmbeddingFile.write(documentVectors, ids: documentIDs, to: folder.appendingPathComponent("document_vectors.npy"))
    }

    /// Reads a model written by ``save(to:)``.
    /// The most words a saved model's counts may add up to (10¹⁵: far beyond any corpus, far below overflow).
    public static let maximumTotalCount = 1_000_000_000_000_000

    public static func load(from folder: URL) throws -> Doc2VecModel {
        let file = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TextModelError("\(folder.path) is not a Doc2Vec model folder (no model.safetensors); train one with `crossmodal doc2vec train`")
        }
        let archive = try SafetensorsFile.read(file)
        guard let json = archive.metadata["configuration"],
            let configuration = try? JSONDecoder().decode(Doc2VecConfiguration.self, from: Data(json.utf8))
        else {
            throw TextModelError("\(file.path): missing or unreadable configuration metadata")
        }
        do {
            try configuration.validate()
        } catch {
            throw TextModelError("\(file.path): its configuration is not usable (\(error.message))")
        }
        let vocabularyText = try RegularFile.text(folder.appendingPathComponent("vocab.txt"), maxBytes: 1 << 30)
        var vocabulary = vocabularyText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if vocabulary.last == "" { vocabulary.removeLast() }
        let words = try archive.tensor("word_vectors", file: file.path).matrix()
        let output = try archive.tensor("output_weights", file: file.path).matrix()
        let counts = try archive.tensor("word_counts", file: file.path).integerValues().map(Int.init)
        let (documents, ids) = try EmbeddingFile.read(folder.appendingPathComponent("document_vectors.npy"))
        guard words.rows == vocabulary.count, output.rows == vocabulary.count, counts.count == vocabulary.count,
            words.columns == configuration.vectorSize, documents.columns == configuration.vectorSize
        else {
            throw TextModelError("\(folder.path): the vocabulary, weights and configuration disagree in size")
        }
        guard output.columns == configuration.vectorSize, counts.allSatisfy({ $0 >= 0 }), !vocabulary.isEmpty else {
            throw TextModelError("\(folder.path): the output weights or word counts do not fit the model")
        }
        // The counts are summed (down-sampling's threshold) and raised to 0.75 (negative sampling): their total
        // must be a count a corpus can have, not one that overflows.
        var total = 0
        for count in counts {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow, sum <= Self.maximumTotalCount else {
                throw TextModelError(
                    "\(file.path): word_counts add up to more than \(Self.maximumTotalCount) words; the file is damaged, train the model again")
            }
            total = sum
        }
        return Doc2VecModel(
            configuration: configuration, vocabulary: vocabulary, wordCounts: counts, wordVectors: words,
            documentVectors: documents, outputWeights: output, documentIDs: ids)
    }
}
