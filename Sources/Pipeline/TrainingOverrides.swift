import Training

/// Settings that replace a preset's: each nil field keeps the preset's value.
public struct TrainingOverrides: Sendable {
    public var weights: ObjectiveWeights?
    public var loss: LossName?
    public var margin: Float?
    public var temperature: Float?
    public var batchSize: Int?
    public var learningRate: Float?
    public var weightDecay: Float?
    public var embeddingDimension: Int?
    /// Hidden widths of both towers (empty: linear towers).
    public var hidden: [Int]?
    public var dropout: Float?
    /// false turns off L2 normalisation of the towers' outputs.
    public var normalize: Bool?
    public var outputActivation: TowerSpecification.Activation?
    /// One rate for both towers' outputs, or (image, text).
    public var outputDropout: (image: Float, text: Float)?
    public var textTower: TextTowerKind?
    public var epochs: Int?
    public var patience: Int?
    public var stopOn: TrainingConfiguration.StoppingMetric?
    public var neighborPool: Int?
    public var plateauPatience: Int?
    public var textNegatives: Int?
    public var negatives: NegativeSampling?
    public var epochPairs: EpochPairs?
    /// A StepLR schedule, or `.some(nil)` to turn the preset's off.
    public var stepDecay: StepDecay??
    public var keep: CheckpointChoice?
    public var validationLoss: ValidationLoss?
    public var initialization: LinearInitialization?
    /// The most tokens a GRU reads, or `.some(nil)` for all of them.
    public var maxTokens: Int??
    public var startEnd: Bool?
    /// Fine-tune this many of the image network's last blocks (0: frozen, the default).
    public var finetuneBlocks: Int?
    /// Their learning rate (default 1e-5: a tenth of the towers' usual rate).
    public var finetuneLearningRate: Float?
    /// false turns off the random horizontal flips of a fine-tuning run.
    public var flip: Bool?
    public var seed: UInt64 = 1

    /// No overrides.
    public init() {}

    /// `preset`'s configuration with these settings in place, validated.
    public func configuration(from preset: TrainingPreset) throws -> TrainingConfiguration {
        var c = preset.configuration
        if let weights { c.weights = weights }
        if let loss { c.loss = loss.loss(margin: margin, temperature: temperature) }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let weightDecay { c.weightDecay = weightDecay }
        if let embeddingDimension { c.embeddingDimension = embeddingDimension }
        if let hidden { c.towers { $0.hidden = hidden } }
        if let dropout { c.towers { $0.dropout = dropout } }
        if let normalize { c.normalize = normalize }
        if let outputActivation { c.towers { $0.outputActivation = outputActivation } }
        if let outputDropout {
            c.imageTower.outputDropout = outputDropout.image
            c.textTower.outputDropout = outputDropout.text
        }
        switch textTower {
        case .gru?: if c.textRecurrentHidden == nil { c.textRecurrentHidden = 512 }
        case .mlp?:
            c.textRecurrentHidden = nil
            if c.textTower.hidden.isEmpty { c.textTower = c.imageTower.hidden.isEmpty ? TowerSpecification() : c.imageTower }
        case nil: break
        }
        if let epochs { c.maxEpochs = epochs }
        if let patience { c.patience = patience }
        if let stopOn { c.stopOn = stopOn }
        if let neighborPool { c.neighborPool = neighborPool }
        if let plateauPatience { c.plateauPatience = plateauPatience }
        if let textNegatives { c.trainingSetTextNegatives = textNegatives }
        if let negatives {
            c.negatives = negatives
        } else if loss != nil, !c.negativeSampling.fits(c.loss) {
            // A preset's sampled negatives belong to its loss: another loss takes in-batch negatives.
            c.negatives = .inBatch
        }
        if let epochPairs { c.epochPairs = epochPairs }
        if let validationLoss {
            c.validationLoss = validationLoss
        } else if loss != nil, c.validationLoss == .firstWork, !(c.loss.function is AngularNPairLoss) {
            // The first work's validation loss is its angular loss: another loss takes ours.
            c.validationLoss = .proxy
        }
        if let stepDecay { c.stepDecay = stepDecay }
        if let keep { c.keep = keep }
        if let initialization { c.towers { $0.initialization = initialization } }
        if maxTokens != nil || startEnd != nil {
            var tokens = c.tokenSettings
            if let maxTokens { tokens.maxTokens = maxTokens }
            if let startEnd { tokens.startEnd = startEnd }
            c.tokens = tokens
        }
        if let blocks = finetuneBlocks, blocks > 0 {
            c.imageFinetuning = ImageFinetuning(blocks: blocks, learningRate: finetuneLearningRate ?? 1e-5, flip: flip ?? true)
        } else if finetuneBlocks == nil, finetuneLearningRate != nil || flip != nil {
            throw TrainingError("--finetune-learning-rate and --flip go with --finetune-blocks N (N ≥ 1)")
        }
        if let blocks = finetuneBlocks, blocks < 0 { throw TrainingError("--finetune-blocks takes 0 (frozen) or more, got \(blocks)") }
        c.seed = seed
        try c.validate()
        return c
    }
}
