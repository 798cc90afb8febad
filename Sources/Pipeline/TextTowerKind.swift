/// The text towers `train` can build.
public enum TextTowerKind: String, CaseIterable, Sendable {
    /// A GRU over word embeddings started from Doc2Vec's word vectors.
    case gru
    /// An MLP over sentence features from the run's text encoder.
    case mlp
}
