import Testing
import TextModels
import Training
@testable import Pipeline

@Suite struct TrainingRecipeTests {
    @Test func aPresetsRecipeIsThePresetWhole() throws {
        for preset in TrainingPreset.allCases {
            let recipe = preset.recipe
            #expect(recipe.training == preset.configuration && recipe.neighborSource == preset.neighborSource)
            #expect(recipe.doc2vecPreset == preset.doc2vecPreset && recipe.separateDirections == preset.separateDirections)
            #expect(recipe.trainSplit == "train" && recipe.validationSplit == "dev" && recipe.training.seed == 1)
        }
    }

    @Test func settingsThatImplyOthersChangeThemToo() throws {
        // Another loss than the angular one: the first work's sampled texts and validation loss give way to ours.
        var recipe = TrainingPreset.thomas2020.recipe
        recipe.use(loss: .vseppHard, margin: 0.3, temperature: nil)
        #expect(recipe.training.loss == .vsePlusPlus(margin: 0.3, hardestNegative: true))
        #expect(recipe.training.negatives == .inBatch && recipe.training.validationLoss == .proxy)
        // The angular loss keeps them.
        var angular = TrainingPreset.thomas2020.recipe
        angular.use(loss: .angularWithPositive, margin: nil, temperature: nil)
        #expect(angular.training.negatives == .randomTexts && angular.training.validationLoss == .firstWork)
        // An MLP text tower instead of the GRU takes the image tower's shape, or the default one for a linear image tower.
        recipe.use(textTower: .mlp)
        #expect(recipe.training.textRecurrentHidden == nil && recipe.training.textTower == TowerSpecification())
        var tuned = TrainingPreset.thomas2020Tuned.recipe
        tuned.use(textTower: .mlp)
        #expect(tuned.training.textTower == tuned.training.imageTower)
        tuned.use(textTower: .gru)
        #expect(tuned.training.textRecurrentHidden == 512)
    }

    /// The Doc2Vec model train trains itself: the Doc2Vec preset's settings, changed only where the recipe says.
    @Test func theDoc2VecSettingsFollowTheRecipe() {
        var recipe = TrainingPreset.thomas2020.recipe
        #expect(recipe.doc2vecConfiguration == recipe.doc2vecPreset.configuration)
        recipe.training.seed = 9
        recipe.doc2vecMinCount = 3
        recipe.firstSentences = 2
        let changed = recipe.doc2vecConfiguration
        #expect(changed.seed == 9 && changed.minCount == 3 && changed.preprocessing.firstSentences == 2)
        // PV-DBOW leaves word vectors at their random start unless told to train them, which a GRU needs.
        recipe.doc2vecPreset = .captions
        #expect(recipe.usesGRU && recipe.doc2vecConfiguration.mode == .pvdbow && recipe.doc2vecConfiguration.dbowWords)
        recipe.use(textTower: .mlp)
        #expect(!recipe.doc2vecConfiguration.dbowWords)
    }

    @Test func invalidSettingsAreRefused() {
        var recipe = TrainingPreset.vsepp.recipe
        recipe.training.imageTower.outputDropout = 1
        #expect(throws: TrainingError.self) { try recipe.training.validate() }
    }
}
