import Training

/// Named starting configurations for `train`.
public enum TrainingPreset: String, CaseIterable, Sendable {
    /// Thomas & Kovashka (2020): angular N-pair, weights 1/1/0.3/0.2, batch 32, Adam 1e-4 (wd 1e-5), 256-d,
    /// a GRU text tower over Doc2Vec-initialised word embeddings.
    case thomas2020
    /// The Flickr30k triplet networks: PReLU MLPs to 4096-d with output dropout, squared-L2 triplet loss, margin 1.
    case tripletNetworks = "triplet-networks"
    /// VSE++: hardest-negative hinge, margin 0.2, batch 128, 1024-d, linear image projection.
    case vsepp
    /// Symmetric InfoNCE (temperature 0.05), batch 128, Adam 5e-4, 512-d.
    case infonce

    /// The preset's training configuration.
    public var configuration: TrainingConfiguration {
        switch self {
        case .thomas2020:
            // The first work's text model: a GRU over word embeddings started from Doc2Vec's word vectors.
            return TrainingConfiguration(
                textTower: TowerSpecification(hidden: [], activation: .none, dropout: 0), textRecurrentHidden: 512)
        case .tripletNetworks:
            // Their projections: images 2048 → PReLU → 4096 with dropout 0.5 on the output; texts 1024 → PReLU →
            // 2048 → PReLU → 4096 with dropout 0.1; Adam 1e-3, batches of 1024. Normalised here, which their
            // code did not do (`--no-normalize` restores that, and their collapse).
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [2048], activation: .prelu, dropout: 0, outputDropout: 0.5),
                textTower: TowerSpecification(hidden: [1024, 2048], activation: .prelu, dropout: 0, outputDropout: 0.1),
                embeddingDimension: 4096, loss: .tripletSquaredL2(margin: 1),
                weights: .crossModal, batchSize: 1024, learningRate: 1e-3, weightDecay: 0)
        case .vsepp:
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [], activation: .none, dropout: 0),
                textTower: TowerSpecification(hidden: [1024], activation: .relu, dropout: 0.1), embeddingDimension: 1024,
                loss: .vsePlusPlus(margin: 0.2, hardestNegative: true), weights: .crossModal, batchSize: 128,
                learningRate: 2e-4, weightDecay: 0)
        case .infonce:
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [1024], activation: .prelu, dropout: 0.2),
                textTower: TowerSpecification(hidden: [1024], activation: .prelu, dropout: 0.2), embeddingDimension: 512,
                loss: .infoNCE(temperature: 0.05), weights: .crossModal, batchSize: 128, learningRate: 5e-4)
        }
    }

    /// Whether the preset trains separate image→text and text→image models (the second work's setup).
    public var separateDirections: Bool { self == .tripletNetworks }
}
