import Numerics
import Testing
import Training

/// Analytic gradients against central finite differences, `(L(x + h) − L(x − h)) / 2h`.
@Suite struct GradientCheckTests {
    static func random(_ rows: Int, _ columns: Int, seed: UInt64, scale: Float = 1) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        var m = Matrix(rows: rows, columns: columns)
        for i in m.values.indices { m.values[i] = generator.normal() * scale }
        return m
    }

    /// Checks `gradient` against finite differences of `loss` at `point`, element by element.
    static func check(
        _ point: Matrix, gradient: Matrix, step: Float = 1e-2, tolerance: Float = 2e-2, _ loss: (Matrix) throws -> Float
    ) rethrows {
        for i in point.values.indices {
            var plus = point, minus = point
            plus.values[i] += step
            minus.values[i] -= step
            let numeric = (try loss(plus) - loss(minus)) / (2 * step)
            let analytic = gradient.values[i]
            #expect(abs(numeric - analytic) <= tolerance * max(1, abs(numeric)), "element \(i): numeric \(numeric), analytic \(analytic)")
        }
    }

    /// Checks each parameter's accumulated gradient against finite differences of `loss`, one element at a
    /// time, restoring the parameter's value after each.
    static func checkParameters(_ parameters: [Parameter], _ loss: () throws -> Float) throws {
        for parameter in parameters {
            let saved = parameter.value
            try check(saved, gradient: parameter.gradient, step: 1e-3) { value in
                parameter.value = value
                defer { parameter.value = saved }
                return try loss()
            }
        }
    }

    static let losses: [PairLoss] = [
        .angularNPair(tanSquared: 1, positiveAmongNegatives: false),
        .angularNPair(tanSquared: 1, positiveAmongNegatives: true),
        .vsePlusPlus(margin: 0.2, hardestNegative: false),
        .vsePlusPlus(margin: 0.2, hardestNegative: true),
        .infoNCE(temperature: 0.1),
        .tripletSquaredL2(margin: 1),
        .hardestTripletSquaredL2(margin: 1),
        .angularTriplet(tanSquared: 1),
    ]

    @Test(arguments: losses)
    func pairLossGradients(loss: PairLoss) throws {
        let a = Self.random(6, 5, seed: 1, scale: 0.5)
        let p = Self.random(6, 5, seed: 2, scale: 0.5)
        // Rows 2 and 4 share a group, so they are not each other's negatives.
        let groups = [0, 1, 2, 3, 2, 5]
        let result = try loss.evaluate(anchors: a, positives: p, anchorGroups: groups, positiveGroups: groups)
        #expect(result.loss > 0)
        try Self.check(a, gradient: result.anchors, step: 1e-3) {
            try loss.evaluate(anchors: $0, positives: p, anchorGroups: groups, positiveGroups: groups).loss
        }
        try Self.check(p, gradient: result.positives, step: 1e-3) {
            try loss.evaluate(anchors: a, positives: $0, anchorGroups: groups, positiveGroups: groups).loss
        }
    }

    @Test(arguments: losses)
    func pairLossGradientsWithExtraNegatives(loss: PairLoss) throws {
        let a = Self.random(5, 4, seed: 21, scale: 0.5)
        let p = Self.random(5, 4, seed: 22, scale: 0.5)
        let e = Self.random(3, 4, seed: 23, scale: 0.5)
        let groups = [0, 1, 2, 3, 4]
        // Extra row 1 shares anchor 0's group, so it is not anchor 0's negative.
        let extraGroups = [7, 0, 9]
        func run(_ a: Matrix, _ p: Matrix, _ e: Matrix) throws -> (loss: Float, anchors: Matrix, positives: Matrix, extras: Matrix) {
            try loss.evaluate(anchors: a, positives: p, anchorGroups: groups, positiveGroups: groups, extraNegatives: e, extraGroups: extraGroups)
        }
        let result = try run(a, p, e)
        try Self.check(a, gradient: result.anchors, step: 1e-3) { try run($0, p, e).loss }
        try Self.check(p, gradient: result.positives, step: 1e-3) { try run(a, $0, e).loss }
        try Self.check(e, gradient: result.extras, step: 1e-3) { try run(a, p, $0).loss }
        // With no extra rows the two forms agree.
        let plain = try loss.evaluate(anchors: a, positives: p, anchorGroups: groups, positiveGroups: groups)
        let empty = try loss.evaluate(
            anchors: a, positives: p, anchorGroups: groups, positiveGroups: groups,
            extraNegatives: Matrix(rows: 0, columns: 4), extraGroups: [])
        #expect(plain.loss == empty.loss && plain.anchors == empty.anchors)
    }

    /// Loss = Σ y ⊙ R for a fixed random R, so ∂L/∂y = R.
    static func checkLayer(_ layer: Layer, input: Matrix, seed: UInt64) throws {
        var generator = SeededGenerator(seed: 0)
        let output = try layer.forward(input, training: false, generator: &generator)
        let r = random(output.rows, output.columns, seed: seed)
        func loss(_ x: Matrix) throws -> Float {
            var g = SeededGenerator(seed: 0)
            let y = try layer.forward(x, training: false, generator: &g)
            return zip(y.values, r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for parameter in layer.parameters { parameter.zeroGradient() }
        _ = try layer.forward(input, training: false, generator: &generator)
        let dx = try layer.backward(r)
        try check(input, gradient: dx, step: 1e-3, loss)
        try checkParameters(layer.parameters) { try loss(input) }
    }

    @Test func linearGradients() throws {
        var generator = SeededGenerator(seed: 3)
        try Self.checkLayer(Linear(name: "l", input: 4, output: 3, generator: &generator), input: Self.random(5, 4, seed: 4), seed: 5)
    }

    @Test func preluGradients() throws {
        try Self.checkLayer(PReLU(name: "p"), input: Self.random(5, 4, seed: 6), seed: 7)
    }

    @Test func reluGradients() throws {
        try Self.checkLayer(ReLU(), input: Self.random(5, 4, seed: 8), seed: 9)
    }

    @Test func l2NormalizeGradients() throws {
        try Self.checkLayer(L2Normalize(), input: Self.random(5, 4, seed: 10), seed: 11)
    }

    @Test func dropoutScalesKeptUnitsAndIsIdentityAtEvaluation() throws {
        let layer = Dropout(probability: 0.5)
        let x = Matrix(rows: 100, columns: 100, repeating: 1)
        var generator = SeededGenerator(seed: 1)
        let y = try layer.forward(x, training: true, generator: &generator)
        #expect(Set(y.values) == [0, 2])
        let kept = y.values.filter { $0 > 0 }.count
        #expect(abs(kept - 5000) < 300)
        let dx = try layer.backward(Matrix(rows: 100, columns: 100, repeating: 1))
        #expect(dx.values == y.values)
        #expect(try layer.forward(x, training: false, generator: &generator) == x)
    }

    @Test func gruGradientsThroughTimeWithPadding() throws {
        var generator = SeededGenerator(seed: 15)
        let layer = EmbeddingGRU(name: "gru", embeddings: Self.random(7, 4, seed: 16, scale: 0.5), hidden: 3, generator: &generator)
        // Lengths 3, 1, 0 and 2; −1 pads.
        let tokens = try Matrix([[1, 2, 3], [4, -1, -1], [-1, -1, -1], [6, 0, -1]])
        let r = Self.random(4, 3, seed: 17)
        func loss() throws -> Float {
            var g = SeededGenerator(seed: 0)
            return zip(try layer.forward(tokens, training: false, generator: &g).values, r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for parameter in layer.parameters { parameter.zeroGradient() }
        let state = try layer.forward(tokens, training: false, generator: &generator)
        #expect(state.row(2) == [0, 0, 0])
        _ = try layer.backward(r)
        try Self.checkParameters(layer.parameters, loss)
        // Row 5 of the embeddings is never used, so its gradient is zero.
        #expect(layer.embeddings.gradient.row(5) == [0, 0, 0, 0])
    }

    /// A batch large enough to be split into three slices (each packed longest row first) gives the
    /// gradients finite differences give.
    @Test func gruGradientsOfASplitBatch() throws {
        var generator = SeededGenerator(seed: 25)
        let layer = EmbeddingGRU(name: "gru", embeddings: Self.random(9, 4, seed: 26, scale: 0.5), hidden: 10, generator: &generator)
        var rows: [[Float]] = []
        for row in 0..<50 {
            let length = row % 5
            rows.append((0..<4).map { $0 < length ? Float((row + 3 * $0) % 9) : -1 })
        }
        // A row with a gap: its slice keeps every row at every step; the other slice packs by length.
        rows[49] = [2, -1, 5, -1]
        let tokens = try Matrix(rows)
        let r = Self.random(50, 10, seed: 27)
        func loss() throws -> Float {
            var g = SeededGenerator(seed: 0)
            return zip(try layer.forward(tokens, training: false, generator: &g).values, r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for parameter in layer.parameters { parameter.zeroGradient() }
        _ = try layer.forward(tokens, training: false, generator: &generator)
        _ = try layer.backward(r)
        try Self.checkParameters(layer.parameters, loss)
    }

    @Test func towerChainsLayers() throws {
        var generator = SeededGenerator(seed: 12)
        let tower = Tower(layers: [
            Linear(name: "a", input: 4, output: 6, generator: &generator), PReLU(name: "p"),
            Linear(name: "b", input: 6, output: 3, generator: &generator), L2Normalize(),
        ])
        let x = Self.random(5, 4, seed: 13)
        let r = Self.random(5, 3, seed: 14)
        func loss(_ input: Matrix) throws -> Float {
            var g = SeededGenerator(seed: 0)
            return zip(try tower.forward(input, training: false, generator: &g).values, r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        _ = try tower.forward(x, training: false, generator: &generator)
        let dx = try tower.backward(r)
        try Self.check(x, gradient: dx, step: 1e-3, loss)
        // Over data, the input's gradient is skipped and the parameters' are the same.
        for parameter in tower.parameters { parameter.zeroGradient() }
        _ = try tower.forward(x, training: false, generator: &generator)
        _ = try tower.backward(r)
        let full = tower.parameters.map(\.gradient)
        for parameter in tower.parameters { parameter.zeroGradient() }
        #expect(try tower.backward(r, inputGradient: false).columns == 0)
        #expect(tower.parameters.map(\.gradient) == full)
    }
}
