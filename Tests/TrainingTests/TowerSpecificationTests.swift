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
        let ending = TowerSpecification(hidden: [], activation: .none, dropout: 0.2, outputActivation: .relu)
            .build(name: "t", input: 4, output: 3, normalize: false, generator: &generator)
        #expect(ending.layers.count == 3)  // Linear, ReLU, Dropout
        #expect(ending.layers[1] is ReLU && ending.layers[2] is Dropout)
    }

    @Test func configurationsWrittenBeforeTheOptionStillRead() throws {
        let old = Data(#"{"hidden": [8], "activation": "prelu", "dropout": 0.1}"#.utf8)
        let specification = try JSONDecoder().decode(TowerSpecification.self, from: old)
        #expect(specification.outputActivation == .none)
        #expect(specification.hidden == [8])
    }
}
