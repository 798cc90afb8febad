import Foundation
import Numerics
import Testing
import Training

@Suite struct TowerSpecificationTests {
    @Test func outputActivationEndsTheTower() {
        var generator = SeededGenerator(seed: 1)
        let plain = TowerSpecification(hidden: [], activation: .none, dropout: 0.2)
            .build(name: "t", input: 4, output: 3, normalize: false, generator: &generator)
        #expect(plain.layers.count == 1)
        let ending = TowerSpecification(hidden: [], activation: .none, dropout: 0.2, outputActivation: .relu, outputDropout: 0.5)
            .build(name: "t", input: 4, output: 3, normalize: false, generator: &generator)
        #expect(ending.layers.count == 3)  // Linear, ReLU, Dropout
        #expect(ending.layers[1] is ReLU && ending.layers[2] is Dropout)
        // The second work's image projection: Linear → PReLU → Linear → Dropout(0.5), nothing between.
        let secondWork = TowerSpecification(hidden: [8], activation: .prelu, dropout: 0, outputDropout: 0.5)
            .build(name: "t", input: 4, output: 3, normalize: true, generator: &generator)
        #expect(secondWork.layers.count == 5)
        #expect(secondWork.layers[3] is Dropout && secondWork.layers[4] is L2Normalize)
    }

    @Test func dropoutRatesAreChecked() {
        var configuration = TrainingConfiguration()
        configuration.imageTower.outputDropout = 1
        #expect(throws: TrainingError.self) { try configuration.validate() }
    }

    @Test func configurationsWrittenBeforeTheOptionStillRead() throws {
        let old = Data(#"{"hidden": [8], "activation": "prelu", "dropout": 0.1}"#.utf8)
        let specification = try JSONDecoder().decode(TowerSpecification.self, from: old)
        #expect(specification.outputActivation == .none)
        #expect(specification.outputDropout == 0)
        #expect(specification.hidden == [8])
        // Before outputDropout existed, an output activation was followed by the hidden layers' dropout.
        let ending = Data(#"{"hidden": [], "activation": "none", "dropout": 0.3, "outputActivation": "relu"}"#.utf8)
        #expect(try JSONDecoder().decode(TowerSpecification.self, from: ending).outputDropout == 0.3)
    }
}
