import Numerics
import TextModels
import Training

/// What a GRU text tower reads: texts as rows of Doc2Vec vocabulary ids, and the embedding table those
/// ids index: the Doc2Vec word vectors, with a START and an END row after them when the settings frame
/// each text (the first work's code).
public enum GRUInput {
    /// Texts as rows of vocabulary ids (as Float), padded with −1: words Doc2Vec does not know are left
    /// out, at most `settings.maxTokens` words are kept, and START (id V) and END (id V + 1) frame them
    /// when `settings.startEnd`. Rows are as wide as the longest, or as the cap.
    /// - Complexity: O(total tokens).
    public static func tokenMatrix(_ texts: [String], model: Doc2VecModel, settings: TokenSettings) -> Matrix {
        var index: [String: Int] = [:]
        for (i, word) in model.vocabulary.enumerated() { index[word] = i }
        let start = model.vocabulary.count, end = model.vocabulary.count + 1
        let rows: [[Int]] = texts.map { text in
            var ids = model.configuration.preprocessing.tokens(text).compactMap { index[$0] }
            if let cap = settings.maxTokens { ids = Array(ids.prefix(cap)) }
            return settings.startEnd ? [start] + ids + [end] : ids
        }
        let width = max(1, settings.maxTokens.map { $0 + (settings.startEnd ? 2 : 0) } ?? (rows.map(\.count).max() ?? 1))
        var matrix = Matrix(rows: texts.count, columns: width, repeating: -1)
        for (row, ids) in rows.enumerated() {
            for (column, id) in ids.prefix(width).enumerated() { matrix[row, column] = Float(id) }
        }
        return matrix
    }

    /// The embedding table: the word vectors, and with START/END two more rows drawn from N(0, 1) (seeded by
    /// `seed`), as `torch.nn.Embedding` starts the rows the first work's code does not overwrite with word vectors
    /// (train_cross_modal_retrieval_model.py lines 177–179: the table's last two rows keep their N(0, 1) start).
    public static func embeddings(_ model: Doc2VecModel, settings: TokenSettings, seed: UInt64) -> Matrix {
        guard settings.startEnd else { return model.wordVectors }
        var generator = SeededGenerator(seed: seed).derived(stream: 0x5354_4152_54)  // "START"
        let framing = (0..<(2 * model.wordVectors.columns)).map { _ in generator.normal() }
        var table = Matrix(rows: model.wordVectors.rows + 2, columns: model.wordVectors.columns)
        table.values = model.wordVectors.values + framing  // V rows, then START and END
        return table
    }
}
