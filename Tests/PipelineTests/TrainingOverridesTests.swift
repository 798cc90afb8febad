import Testing
import Training
@testable import Pipeline

@Suite struct TrainingOverridesTests {
    @Test func noOverridesIsThePreset() throws {
        for preset in TrainingPreset.allCases {
            #expect(try TrainingOverrides().configuration(from: preset) == preset.configuration)
        }
    }

    @Test func overridesReplaceOnlyWhatTheyName() throws {
        var o = TrainingOverrides()
        o.weights = .crossModal
        o.loss = .vseppHard
        o.margin = 0.3
        o.hidden = []
        o.textTower = .mlp
        o.seed = 9
        let c = try o.configuration(from: .thomas2020)
        #expect(c.weights == .crossModal)
        #expect(c.loss == .vsePlusPlus(margin: 0.3, hardestNegative: true))
        #expect(c.imageTower.hidden.isEmpty && c.textRecurrentHidden == nil)
        #expect(c.seed == 9 && c.batchSize == TrainingPreset.thomas2020.configuration.batchSize)
    }

    @Test func invalidSettingsAreRefused() {
        var o = TrainingOverrides()
        o.outputDropout = (1, 0.1)
        #expect(throws: TrainingError.self) { try o.configuration(from: .vsepp) }
    }
}
