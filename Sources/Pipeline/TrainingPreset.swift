import Training

/// Named starting configurations for `train`: each work as its code ran, and our tuned variants.
///
/// `docs/fidelity.md` lists every element of the two works' code beside ours; each element where the
/// tuned presets differ is also an option of `train`, so an improvement is one flag away from the original.
public enum TrainingPreset: String, CaseIterable, Sendable {
    /// Thomas & Kovashka (2020) as their code ran: a GRU over Doc2Vec (PV-DM) word vectors with START/END
    /// tokens and no cap, one Xavier-initialised linear layer (bias 0.1) on the image features, angular
    /// N-pair loss with the code's negatives (random training texts for the text terms, the batch's images
    /// for the image terms, each counted B times), weights 1/1/0.3/0.2, batch 32, Adam 1e-4 (wd 1e-5),
    /// ReduceLROnPlateau (5, ×0.1) on the validation loss, the model chosen by validation loss, 50 epochs;
    /// neighbours by L2 distance over re-inferred Doc2Vec vectors (HNSW, k = 200, one drawn from the first 10).
    /// The image network stays frozen (EfficientNet-Lite0 features), not a fine-tuned ResNet-50.
    case thomas2020
    /// Our variant of the first work: an MLP image tower, in-batch negatives, 32 tokens, the model chosen by
    /// rsum with early stopping, cosine neighbours over the trained Doc2Vec vectors.
    case thomas2020Tuned = "thomas2020-tuned"
    /// The Flickr30k triplet networks as their code ran: PReLU MLPs to 4096-d with output dropout (0.5
    /// images, 0.1 texts), squared-L2 triplet loss (margin 1) with one random negative per anchor, one
    /// caption per image per epoch, Adam 1e-3, batches of 1,024, StepLR (8 epochs, ×0.1), 50 epochs, the
    /// last epoch kept, no normalisation, separate image→text and text→image models.
    case tripletNetworks = "triplet-networks"
    /// Our variant of the second work: L2-normalised, the loss averaged over in-batch negatives, every
    /// caption each epoch, the best epoch kept.
    case tripletNetworksNormalized = "triplet-networks-normalized"
    /// VSE++: hardest-negative hinge, margin 0.2, batch 128, 1024-d, linear image projection.
    case vsepp
    /// Symmetric InfoNCE (temperature 0.05), batch 128, Adam 5e-4, 512-d.
    case infonce

    /// The preset's training configuration.
    public var configuration: TrainingConfiguration {
        switch self {
        case .thomas2020:
            var c = TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [], activation: .none, dropout: 0, initialization: .xavier),
                textTower: TowerSpecification(hidden: [], activation: .none, dropout: 0, initialization: .xavier),
                textRecurrentHidden: 512, loss: .angularNPair(tanSquared: 1, positiveAmongNegatives: true),
                weights: .neighborhoods, batchSize: 32, learningRate: 1e-4, weightDecay: 1e-5, maxEpochs: 999, patience: 10,
                stopOn: .loss, plateauPatience: 5, plateauFactor: 0.1)
            c.negatives = .randomTexts
            c.tokens = .firstWork
            c.validationLoss = .firstWork
            return c
        case .thomas2020Tuned:
            // The GRU over Doc2Vec word vectors, with our choices elsewhere.
            return TrainingConfiguration(
                textTower: TowerSpecification(hidden: [], activation: .none, dropout: 0), textRecurrentHidden: 512)
        case .tripletNetworks:
            var c = Self.tripletNetworksNormalized.configuration
            c.normalize = false
            c.negatives = .oneRandom
            c.epochPairs = .oneCaptionPerImage
            c.stepDecay = StepDecay(epochs: 8, factor: 0.1)
            c.keep = .last
            c.patience = c.maxEpochs
            return c
        case .tripletNetworksNormalized:
            // Their projections: images 2048 → PReLU → 4096 with dropout 0.5 on the output; texts 1024 → PReLU →
            // 2048 → PReLU → 4096 with dropout 0.1; Adam 1e-3, batches of 1024.
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
    public var separateDirections: Bool { self == .tripletNetworks || self == .tripletNetworksNormalized }

    /// The Doc2Vec model `train` trains for the preset when none is given: the first work's PV-DM settings
    /// for `thomas2020`, our caption settings otherwise.
    public var doc2vecPreset: Doc2VecPreset { self == .thomas2020 ? .reference : .captions }

    /// How the preset finds each caption's neighbours.
    public var neighborSource: NeighborSource { self == .thomas2020 ? .firstWork : .standard }
}
