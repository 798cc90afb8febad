/// The sentence encoders an MLP text tower can read, by the name `config.json` and `--text-encoder` give.
public enum TextEncoderName: String, Codable, CaseIterable, Sendable, NamedChoice {
    /// all-MiniLM-L6-v2: 384-d mean-pooled, L2-normalised sentence embeddings.
    case minilm
    /// The mean of a caption's GloVe 6B-50d word vectors.
    case gloveMean = "glove-mean"
    /// The sum of a caption's GloVe 6B-50d word vectors.
    case gloveSum = "glove-sum"

    static let kind = "text encoder"
}
