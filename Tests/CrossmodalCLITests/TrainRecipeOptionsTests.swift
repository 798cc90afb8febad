import Pipeline
import Testing
import Training
@testable import CrossmodalCLI

/// `train`'s options parsed in-process: each changes the part of the preset's recipe it names, and nothing else.
@Suite struct TrainRecipeOptionsTests {
    static func recipe(_ arguments: [String]) throws -> TrainingRecipe {
        try TrainCommand.parse(["data.jsonl", "--out", "run"] + arguments).recipe()
    }

    @Test func noOptionIsThePresetsRecipe() throws {
        for preset in TrainingPreset.allCases {
            #expect(try Self.recipe(["--preset", preset.rawValue]) == preset.recipe)
        }
    }

    @Test func optionsChangeWhatTheyName() throws {
        let recipe = try Self.recipe([
            "--preset", "thomas2020", "--weights", "1,1,0,0", "--loss", "vsepp-hard", "--margin", "0.3", "--text-tower", "mlp",
            "--hidden", "64", "--seed", "9", "--train-split", "dev", "--separate", "--doc2vec-min-count", "3", "--neighbor-k", "50",
        ])
        var expected = TrainingPreset.thomas2020.recipe
        expected.training.weights = .crossModal
        expected.use(loss: .vseppHard, margin: 0.3, temperature: nil)
        expected.use(textTower: .mlp)
        expected.training.towers { $0.hidden = [64] }
        expected.training.seed = 9
        (expected.trainSplit, expected.separateDirections, expected.doc2vecMinCount, expected.neighborSource.k) = ("dev", true, 3, 50)
        #expect(recipe == expected)
        #expect(recipe.training.negatives == .inBatch && recipe.training.validationLoss == .proxy)
        #expect(recipe.training.batchSize == TrainingPreset.thomas2020.configuration.batchSize)
    }

    @Test func eachFirstWorkElementIsOneFlagFromOurs() throws {
        let c = try Self.recipe([
            "--preset", "thomas2020", "--negatives", "in-batch", "--initialization", "pytorch", "--max-tokens", "32", "--no-start-end",
            "--stop-on", "rsum", "--plateau-patience", "0", "--patience", "10", "--hidden", "1024", "--validation-loss", "proxy",
        ]).training
        let tuned = TrainingPreset.thomas2020Tuned.configuration
        #expect(c.negatives == .inBatch && c.tokens == .standard && c.stopOn == tuned.stopOn && c.imageTower.hidden == tuned.imageTower.hidden)
        #expect(c.validationLoss == .proxy && c.imageTower.initialization == .pytorch)
        // An explicit choice after a loss wins over what the loss implies.
        let kept = try Self.recipe(["--preset", "thomas2020", "--loss", "angular", "--negatives", "in-batch", "--validation-loss", "first-work"])
        #expect(kept.training.negatives == .inBatch && kept.training.validationLoss == .firstWork)
    }

    @Test func badValuesAreRefusedNamingTheOption() {
        for arguments in [["--weights", "1,1"], ["--output-dropout", "0.1,0.2,0.3"], ["--lr-step", "0,0.1"], ["--max-tokens", "0"],
            ["--neighbor-k", "0"], ["--finetune-learning-rate", "1e-4"], ["--output-dropout", "1"]]
        {
            #expect(throws: (any Error).self, "\(arguments)") { try Self.recipe(arguments) }
        }
    }
}
