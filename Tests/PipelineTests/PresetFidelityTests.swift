import Neighbors
import Testing
import TextModels
import Training
@testable import Pipeline

/// The presets named after the two works resolve to their code's values, element by element
/// (docs/fidelity.md); the tuned presets keep ours.
@Suite struct PresetFidelityTests {
    @Test func thomas2020IsTheFirstWorksCode() {
        let c = TrainingPreset.thomas2020.configuration
        // Text model: a GRU (512) over Doc2Vec word vectors, every token, START/END; a linear projection.
        #expect(c.textRecurrentHidden == 512)
        #expect(c.tokens == TokenSettings(maxTokens: nil, startEnd: true))
        #expect(c.textTower.hidden.isEmpty && c.textTower.initialization == .xavier)
        // Image side: one linear layer, Xavier-initialised with bias 0.1, over frozen features.
        #expect(c.imageTower.hidden.isEmpty && c.imageTower.activation == .none && c.imageTower.initialization == .xavier)
        #expect(c.imageTower.dropout == 0 && c.imageTower.outputDropout == 0)
        // The joint space and the objective.
        #expect(c.embeddingDimension == 256 && c.normalize)
        #expect(c.loss == .angularNPair(tanSquared: 1, positiveAmongNegatives: true))
        #expect(c.weights == ObjectiveWeights(imageToText: 1, textToImage: 1, image: 0.3, text: 0.2))
        #expect(c.negatives == .randomTexts)
        #expect(c.neighborPool == 10)
        // Optimiser, schedule, model choice.
        #expect(c.batchSize == 32 && c.learningRate == 1e-4 && c.weightDecay == 1e-5)
        #expect(c.stopOn == .loss && c.plateauPatience == 5 && c.plateauFactor == 0.1 && c.validationLoss == .firstWork)
        // Up to 999 epochs (`range(1, 1000)`), stopped 10 epochs after the validation loss last fell.
        #expect(c.maxEpochs == 999 && c.patience == 10)
        #expect(c.keep == nil && c.stepDecay == nil && c.epochPairs == nil)
        // Doc2Vec: PV-DM (trained word vectors), window 20, min_count 20, 50 epochs; neighbours by L2 over
        // re-inferred vectors through HNSW, k = 200.
        let doc2vec = TrainingPreset.thomas2020.doc2vecPreset.configuration
        #expect(doc2vec.mode == .pvdm && doc2vec.window == 20 && doc2vec.minCount == 20 && doc2vec.epochs == 50)
        #expect(doc2vec.trainsWordVectors)
        #expect(TrainingPreset.thomas2020.neighborSource == NeighborSource(vectors: .inferred, metric: .l2, search: .hnsw, k: 200))
        #expect(!TrainingPreset.thomas2020.separateDirections)
    }

    @Test func tripletNetworksIsTheSecondWorksCode() {
        let c = TrainingPreset.tripletNetworks.configuration
        #expect(c.imageTower.hidden == [2048] && c.imageTower.activation == .prelu && c.imageTower.outputDropout == 0.5)
        #expect(c.textTower.hidden == [1024, 2048] && c.textTower.activation == .prelu && c.textTower.outputDropout == 0.1)
        #expect(c.textRecurrentHidden == nil && c.embeddingDimension == 4096)
        #expect(!c.normalize)
        #expect(c.loss == .tripletSquaredL2(margin: 1) && c.negatives == .oneRandom)
        #expect(c.weights == .crossModal)
        #expect(c.epochPairs == .oneCaptionPerImage)
        #expect(c.batchSize == 1024 && c.learningRate == 1e-3 && c.weightDecay == 0)
        #expect(c.stepDecay == StepDecay(epochs: 8, factor: 0.1) && c.maxEpochs == 50)
        #expect(c.keep == .last)
        #expect(TrainingPreset.tripletNetworks.separateDirections)
    }

    @Test func theTunedPresetsKeepOurChoices() {
        let ours = TrainingPreset.thomas2020Tuned.configuration
        #expect(ours.negatives == nil && ours.tokens == nil && ours.stopOn == .rsum && ours.imageTower.hidden == [1024])
        #expect(TrainingPreset.thomas2020Tuned.neighborSource == .standard && TrainingPreset.thomas2020Tuned.doc2vecPreset == .captions)
        let normalized = TrainingPreset.tripletNetworksNormalized.configuration
        #expect(normalized.normalize && normalized.negatives == nil && normalized.keep == nil && normalized.epochPairs == nil)
        for preset in TrainingPreset.allCases { #expect(throws: Never.self) { try preset.configuration.validate() } }
    }

    @Test func eachFirstWorkElementIsOneFlagFromOurs() throws {
        var recipe = TrainingPreset.thomas2020.recipe
        recipe.training.negatives = .inBatch
        recipe.training.towers { $0.initialization = .pytorch }
        recipe.training.tokens = TokenSettings(maxTokens: 32, startEnd: false)
        (recipe.training.stopOn, recipe.training.plateauPatience, recipe.training.patience) = (.rsum, 0, 10)
        recipe.training.towers { $0.hidden = [1024] }
        recipe.training.validationLoss = .proxy
        try recipe.training.validate()
        let c = recipe.training
        let tuned = TrainingPreset.thomas2020Tuned.configuration
        #expect(c.negatives == .inBatch && c.tokens == .standard && c.stopOn == tuned.stopOn && c.imageTower.hidden == tuned.imageTower.hidden)
        #expect(c.validationLoss == .proxy && tuned.validationLoss == nil)
    }
}
