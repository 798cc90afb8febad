/// The shape of one tower: hidden layers, activation, dropout, output width.
public struct TowerSpecification: Codable, Equatable, Sendable {
    /// The activations a tower can use between linear layers.
    public enum Activation: String, Codable, Sendable, CaseIterable { case prelu, relu, none }

    /// Widths of the hidden layers (empty: one linear layer).
    public var hidden: [Int]
    /// The activation after each hidden layer.
    public var activation: Activation
    /// Dropout after each hidden activation.
    public var dropout: Float
    /// An activation after the output layer too; `.none` leaves the output linear.
    public var outputActivation: Activation = .none
    /// Dropout on the tower's output, before any normalisation, as the second work's projections end
    /// (0.5 on images, 0.1 on texts).
    public var outputDropout: Float = 0
    /// How the tower's linear layers start.
    public var initialization: LinearInitialization = .pytorch

    /// Creates a tower specification.
    public init(
        hidden: [Int] = [1024], activation: Activation = .prelu, dropout: Float = 0.1, outputActivation: Activation = .none,
        outputDropout: Float = 0, initialization: LinearInitialization = .pytorch
    ) {
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.outputActivation = outputActivation
        self.outputDropout = outputDropout
        self.initialization = initialization
    }

    private enum CodingKeys: String, CodingKey { case hidden, activation, dropout, outputActivation, outputDropout, initialization }

    /// Decodes a specification. Configurations written before `outputActivation` existed have none;
    /// those written before `outputDropout` had the hidden layers' dropout after an output activation.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hidden = try c.decode([Int].self, forKey: .hidden)
        activation = try c.decode(Activation.self, forKey: .activation)
        dropout = try c.decode(Float.self, forKey: .dropout)
        outputActivation = try c.decodeIfPresent(Activation.self, forKey: .outputActivation) ?? .none
        outputDropout = try c.decodeIfPresent(Float.self, forKey: .outputDropout) ?? (outputActivation == .none ? 0 : dropout)
        initialization = try c.decodeIfPresent(LinearInitialization.self, forKey: .initialization) ?? .pytorch
    }

    /// Builds the tower: `[first] → [Linear → activation → Dropout]* → Linear → [activation] →
    /// [Dropout] → (L2 normalisation)`,
    /// where `first` (such as a GRU) produces `input`-wide rows.
    public func build(
        name: String, input: Int, output: Int, normalize: Bool, first: Layer? = nil, generator: inout SeededGenerator
    ) -> Tower {
        var layers: [Layer] = first.map { [$0] } ?? []
        var width = input
        // A Linear layer from `width` to `size` named `label`, then `activation` and dropout at `rate`.
        func block(_ label: String, to size: Int, _ activation: Activation, dropout rate: Float) {
            layers.append(Linear(name: label, input: width, output: size, initialization: initialization, generator: &generator))
            switch activation {
            case .prelu: layers.append(PReLU(name: "\(label).act"))
            case .relu: layers.append(ReLU())
            case .none: break
            }
            if rate > 0 { layers.append(Dropout(probability: rate)) }
            width = size
        }
        for (index, size) in hidden.enumerated() { block("\(name).\(index)", to: size, activation, dropout: dropout) }
        block("\(name).out", to: output, outputActivation, dropout: outputDropout)
        if normalize { layers.append(L2Normalize()) }
        return Tower(layers: layers)
    }
}

import Numerics

/// Everything that defines a training run; saved as the run's `config.json`.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// Which validation number decides "best" and early stopping.
    public enum StoppingMetric: String, Codable, Sendable, CaseIterable {
        /// R@1+R@5+R@10 in both directions, higher is better.
        case rsum
        /// The validation loss (the cross-modal terms), lower is better.
        case loss
    }

    /// The image tower.
    public var imageTower: TowerSpecification
    /// The text tower.
    public var textTower: TowerSpecification
    /// With a value, the text tower starts with word embeddings and a GRU of this width over token ids
    /// (the first work's text model); `textTower` then describes the layers after the GRU.
    public var textRecurrentHidden: Int?
    /// The joint space's width.
    public var embeddingDimension: Int
    /// L2-normalise both towers' outputs.
    public var normalize: Bool
    /// The loss every term uses.
    public var loss: PairLoss
    /// Weights of image→text, text→image, L_img and L_text.
    public var weights: ObjectiveWeights
    /// Neighbours are drawn uniformly from each text's first `neighborPool` valid neighbours.
    public var neighborPool: Int
    /// Captions drawn from the whole training set as extra negatives of the image→text term (0: the
    /// batch's captions only). The first work's code draws text negatives from the training set.
    public var trainingSetTextNegatives: Int = 0
    /// Pairs per step.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Float
    /// L2 weight decay added to the gradient (PyTorch Adam's `weight_decay`).
    public var weightDecay: Float
    /// The most epochs to run.
    public var maxEpochs: Int
    /// Stop after this many epochs without improvement.
    public var patience: Int
    /// What "improvement" is measured on.
    public var stopOn: StoppingMetric
    /// Reduce the learning rate by `plateauFactor` after this many epochs without improvement (0: never).
    public var plateauPatience: Int
    /// The factor of a reduction on plateau.
    public var plateauFactor: Float
    /// The seed of every random choice (initialisation, batches, dropout, neighbour draws).
    public var seed: UInt64
    /// Where each term's negatives come from (nil: ``NegativeSampling/inBatch``).
    public var negatives: NegativeSampling?
    /// Which pairs an epoch visits (nil: ``EpochPairs/everyCaption``).
    public var epochPairs: EpochPairs?
    /// A step schedule of the learning rate (the second work's StepLR), beside any plateau schedule.
    public var stepDecay: StepDecay?
    /// Which epoch's weights are kept (nil: ``CheckpointChoice/best``).
    public var keep: CheckpointChoice?
    /// How a GRU text tower reads texts (nil: ``TokenSettings/standard``).
    public var tokens: TokenSettings?
    /// Fine-tuning of the image network's last blocks (nil: frozen features, the image tower alone trains).
    public var imageFinetuning: ImageFinetuning?
    /// What the validation loss measures (nil: ``ValidationLoss/proxy``).
    public var validationLoss: ValidationLoss?

    /// The sampling in force: ``negatives``, or in-batch when unset.
    public var negativeSampling: NegativeSampling { negatives ?? .inBatch }
    /// The token settings in force: ``tokens``, or ``TokenSettings/standard`` when unset.
    public var tokenSettings: TokenSettings { tokens ?? .standard }

    /// The defaults of the `thomas2020` preset with MLP towers.
    public init(
        imageTower: TowerSpecification = .init(), textTower: TowerSpecification = .init(), textRecurrentHidden: Int? = nil,
        embeddingDimension: Int = 256,
        normalize: Bool = true, loss: PairLoss = .angularNPair(tanSquared: 1, positiveAmongNegatives: false),
        weights: ObjectiveWeights = .neighborhoods, neighborPool: Int = 10, batchSize: Int = 32, learningRate: Float = 1e-4,
        weightDecay: Float = 1e-5, maxEpochs: Int = 50, patience: Int = 10, stopOn: StoppingMetric = .rsum,
        plateauPatience: Int = 0, plateauFactor: Float = 0.1, seed: UInt64 = 1
    ) {
        self.imageTower = imageTower
        self.textTower = textTower
        self.textRecurrentHidden = textRecurrentHidden
        self.embeddingDimension = embeddingDimension
        self.normalize = normalize
        self.loss = loss
        self.weights = weights
        self.neighborPool = neighborPool
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.stopOn = stopOn
        self.plateauPatience = plateauPatience
        self.plateauFactor = plateauFactor
        self.seed = seed
    }

    /// Changes both towers the same way.
    public mutating func towers(_ change: (inout TowerSpecification) -> Void) {
        change(&imageTower)
        change(&textTower)
    }

    /// Checks ranges, naming the first bad setting.
    /// The widest layer a configuration may ask for.
    public static let maximumWidth = 65_536

    public func validate() throws(TrainingError) {
        guard weights.ordered.allSatisfy({ $0 >= 0 }), weights.ordered.contains(where: { $0 > 0 }) else {
            throw TrainingError("weights must be four non-negative numbers (i2t, sym, img, text), not all zero; got \(weights.ordered)")
        }
        if batchSize < 2 { throw TrainingError("batch size must be at least 2, got \(batchSize)") }
        if embeddingDimension < 1 { throw TrainingError("embedding dimension must be at least 1") }
        // Upper bounds: every size below sizes an allocation, and a configuration may come from a file.
        let widest = Self.maximumWidth
        guard batchSize <= 1 << 20, embeddingDimension <= widest, maxEpochs <= 1_000_000, neighborPool <= 1 << 20,
            trainingSetTextNegatives <= 1 << 20, (textRecurrentHidden ?? 1) >= 1, (textRecurrentHidden ?? 1) <= widest,
            (tokens?.maxTokens ?? 1) <= 1 << 16, imageTower.hidden.allSatisfy({ (1...widest).contains($0) }),
            textTower.hidden.allSatisfy({ (1...widest).contains($0) }), imageTower.hidden.count <= 64, textTower.hidden.count <= 64
        else {
            throw TrainingError(
                "a size is out of range: batch size at most 1,048,576, widths (embedding, hidden layers, GRU) from 1 to \(widest), "
                    + "at most 64 hidden layers, 1,000,000 epochs, a neighbour pool of 1,048,576 and 65,536 tokens")
        }
        if !(learningRate > 0) { throw TrainingError("learning rate must be positive, got \(learningRate)") }
        if maxEpochs < 1 { throw TrainingError("max epochs must be at least 1") }
        if neighborPool < 1 { throw TrainingError("the neighbour pool must be at least 1") }
        if trainingSetTextNegatives < 0 { throw TrainingError("training-set text negatives must not be negative") }
        switch negativeSampling {
        case let sampling where sampling.fits(loss): break
        case .randomTexts: throw TrainingError("random-texts negatives (the first work's) go with the angular loss")
        default: throw TrainingError("one-random negatives (the second work's) go with the triplet losses")
        }
        if validationLoss == .firstWork, !(loss.function is AngularNPairLoss) {
            throw TrainingError("the first work's validation loss is the angular loss; use --validation-loss proxy with this loss")
        }
        if let stepDecay, stepDecay.epochs < 1 || !(stepDecay.factor > 0) {
            throw TrainingError("a step schedule needs at least 1 epoch per step and a positive factor")
        }
        if let maxTokens = tokens?.maxTokens, maxTokens < 1 { throw TrainingError("at least one token per text") }
        if let finetuning = imageFinetuning {
            guard finetuning.blocks >= 1 else { throw TrainingError("fine-tune at least one block, or leave fine-tuning off") }
            guard finetuning.learningRate > 0, finetuning.learningRate.isFinite else {
                throw TrainingError("the fine-tuning learning rate must be positive, got \(finetuning.learningRate)")
            }
            try finetuning.architecture?.validate()
        }
        for (name, tower) in [("image", imageTower), ("text", textTower)] {
            for rate in [tower.dropout, tower.outputDropout] where !(rate >= 0 && rate < 1) {
                throw TrainingError("the \(name) tower's dropout rates must be at least 0 and below 1, got \(rate)")
            }
        }
    }
}

/// A training run that cannot proceed, with what to fix.
public struct TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
