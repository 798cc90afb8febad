import Numerics

/// Short everyday phrases embedded as text queries, against which an image's score for a query is judged.
///
/// A raw score cannot tell "a giraffe" on a photo of a dog (no giraffe anywhere) from "fire and smoke" on a
/// photo of a fire: short queries score lower than the captions a model was trained on, and both land near
/// 0.33. What separates them is what else the image would answer to. For an image g with vector v, its
/// *baseline* is the mean of its `neighbors` best scores against the bank,
///
///     r(g) = (1/K) Σ_{j ∈ top-K of t_j·v} t_j · v,
///
/// and a result is judged by its margin `s(q, g) − r(g)`: how the query fares against the short
/// descriptions that fit the image best. A dog photo's best phrases ("dog", "grass", "running") score far
/// above "a giraffe"; a fire's best phrases ("fire", "smoke", "flames") score about as "fire and smoke"
/// does. This is the image-side half of cross-domain similarity local scaling (Conneau et al., 2018), with
/// the bank standing in for the other domain; it changes no ranking within a query, only how sure a
/// result is.
public struct PhraseBank: Sendable, Equatable {
    /// The phrases' embeddings as text queries (rows, unit length).
    public let vectors: Matrix
    /// K: how many of an image's best phrases its baseline averages.
    public let neighbors: Int

    /// A bank of embedded phrases.
    /// - Throws: ``EvaluationError`` when there are fewer phrases than `neighbors`, or `neighbors` < 1.
    public init(vectors: Matrix, neighbors: Int) throws(EvaluationError) {
        guard neighbors >= 1, vectors.rows >= neighbors else {
            throw EvaluationError("a phrase bank needs at least \(max(1, neighbors)) phrases (got \(vectors.rows))")
        }
        self.vectors = vectors
        self.neighbors = neighbors
    }

    /// The baseline r(g) of each row of `images` (vectors of the space text queries are ranked in).
    ///
    /// - Complexity: O(n · B · d) for n images, B phrases and width d (one matrix product, in blocks of 4,096 images).
    public func baselines(_ images: Matrix) throws(EvaluationError) -> [Float] {
        guard images.columns == vectors.columns else {
            throw EvaluationError("the phrase bank is \(vectors.columns)-d but the images are \(images.columns)-d")
        }
        var result: [Float] = []
        result.reserveCapacity(images.rows)
        for start in stride(from: 0, to: images.rows, by: 4096) {
            let block = images.gatherRows(start..<min(images.rows, start + 4096))
            let scores: Matrix
            do {
                scores = try Matrix.product(block, vectors, transposeB: .transposed)
            } catch {
                throw EvaluationError("cannot score the phrase bank: \(error)")
            }
            for row in scores.topKPerRow(k: neighbors) {
                result.append(row.reduce(0) { $0 + $1.value } / Float(max(1, row.count)))
            }
        }
        return result
    }

    /// The baseline of one image vector.
    public func baseline(_ image: [Float]) throws(EvaluationError) -> Float {
        let matrix: Matrix
        do {
            matrix = try Matrix(rows: 1, columns: image.count, values: image)
        } catch {
            throw EvaluationError("cannot read the image vector: \(error)")
        }
        return try baselines(matrix)[0]
    }

    /// How many phrases a fitted bank holds, and how many of an image's best ones its baseline averages.
    public static let defaultSize = 512
    public static let defaultNeighbors = 20

    /// The `count` most frequent words of `texts` (lower-cased runs of letters of any script, three or more long, stop
    /// words left out), most frequent first, ties in alphabetical order; `knows` keeps only words a
    /// closed-vocabulary model can read.
    ///
    /// - Complexity: O(total length + V log V) for V distinct words.
    public static func commonWords(in texts: [String], count: Int = defaultSize, knows: ((String) -> Bool)? = nil) -> [String] {
        var counts: [String: Int] = [:]
        for text in texts {
            var word = ""
            for character in text.lowercased() + " " {
                if character.isLetter {
                    word.append(character)
                } else {
                    if word.count >= 3, !stopWords.contains(word) { counts[word, default: 0] += 1 }
                    word = ""
                }
            }
        }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        return Array(ranked.lazy.filter { knows?($0) ?? true }.prefix(max(0, count)))
    }

    /// Function words and the commonest reporting verbs, which describe no picture.
    static let stopWords: Set<String> = [
        "the", "and", "with", "are", "for", "his", "her", "its", "their", "from", "into", "near", "two", "three", "one", "some",
        "other", "another", "over", "under", "out", "through", "front", "this", "that", "has", "have", "had", "she", "they",
        "them", "there", "what", "which", "who", "whom", "very", "being", "was", "were", "will", "can", "not", "but", "after",
        "before", "new", "says", "said", "than", "more", "about", "also", "you", "your", "our", "all", "just", "how", "why",
        "when", "where", "while", "most", "any", "each", "off", "onto", "upon", "been", "does", "did", "would", "could",
        "should", "may", "might", "must", "than", "then", "these", "those", "here", "him", "himself", "herself", "itself",
        "get", "gets", "got", "out", "too", "way", "like", "during", "against", "between", "without", "within", "across",
        "behind", "along", "around", "down", "only", "both", "such", "own", "same", "few", "many", "much", "still", "yet",
    ]
}
