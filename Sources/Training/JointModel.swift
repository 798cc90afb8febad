import Foundation
import Numerics
import TensorFiles

/// The image tower and the text tower of a joint embedding.
public final class JointModel {
    /// The run's configuration.
    public let configuration: TrainingConfiguration
    /// Image features → joint space.
    public let imageTower: Tower
    /// Text features → joint space.
    public let textTower: Tower

    /// Builds freshly initialised towers for the given input widths (seeded by the configuration).
    ///
    /// With `configuration.textRecurrentHidden`, `wordEmbeddings` (such as Doc2Vec's word vectors)
    /// initialise the text tower's embedding table and its inputs are token-id rows.
    ///
    /// With `configuration.imageFinetuning`, the image tower starts with the image network's last blocks
    /// (an ``ImageNetworkTail``) over feature maps, from `imageNetwork`'s pretrained weights (or zeros, when a
    /// checkpoint is loaded next); its weights train at the fine-tuning learning rate.
    public init(
        configuration: TrainingConfiguration, imageInput: Int, textInput: Int, wordEmbeddings: Matrix? = nil,
        imageNetwork: [String: Matrix] = [:]
    ) throws {
        self.configuration = configuration
        var generator = SeededGenerator(seed: configuration.seed)
        if let finetuning = configuration.imageFinetuning {
            guard let architecture = finetuning.architecture else {
                throw TrainingError("fine-tuning the image network needs its architecture; extract the features first")
            }
            let tail = try ImageNetworkTail(name: "image.network", architecture: architecture, weights: imageNetwork)
            for parameter in tail.parameters { parameter.learningRateScale = finetuning.learningRate / configuration.learningRate }
            imageTower = configuration.imageTower.build(
                name: "image", input: architecture.headOutput, output: configuration.embeddingDimension,
                normalize: configuration.normalize, first: tail, generator: &generator)
        } else {
            imageTower = configuration.imageTower.build(
                name: "image", input: imageInput, output: configuration.embeddingDimension, normalize: configuration.normalize,
                generator: &generator)
        }
        if let recurrent = configuration.textRecurrentHidden {
            guard let wordEmbeddings else {
                throw TrainingError("a GRU text tower needs word embeddings to start from (Doc2Vec word vectors)")
            }
            let gru = EmbeddingGRU(name: "text.gru", embeddings: wordEmbeddings, hidden: recurrent, generator: &generator)
            textTower = configuration.textTower.build(
                name: "text", input: recurrent, output: configuration.embeddingDimension, normalize: configuration.normalize,
                first: gru, generator: &generator)
        } else {
            textTower = configuration.textTower.build(
                name: "text", input: textInput, output: configuration.embeddingDimension, normalize: configuration.normalize,
                generator: &generator)
        }
    }

    /// Every parameter of both towers.
    public var parameters: [Parameter] { imageTower.parameters + textTower.parameters }

    /// Joint-space embeddings of image features (evaluation mode), in blocks.
    public func embedImages(_ features: Matrix) throws -> Matrix { try embed(features, with: imageTower) }

    /// Joint-space embeddings of text features (evaluation mode), in blocks.
    public func embedTexts(_ features: Matrix) throws -> Matrix { try embed(features, with: textTower) }

    private func embed(_ features: Matrix, with tower: Tower) throws -> Matrix {
        var generator = SeededGenerator(seed: 0)
        var values: [Float] = []
        var width = configuration.embeddingDimension
        // Feature maps of a fine-tuned network are large: blocks of 64 keep the activations small.
        let step = configuration.imageFinetuning != nil && tower === imageTower ? 64 : 1024
        for start in stride(from: 0, to: features.rows, by: step) {
            let block = features.gatherRows(start..<min(start + step, features.rows))
            let out = try tower.forward(block, training: false, generator: &generator)
            width = out.columns
            values += out.values
        }
        return try Matrix(rows: features.rows, columns: width, values: values)
    }

    /// The parameters as named tensors.
    public func tensors(prefix: String = "") -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: parameters.map { (prefix + $0.name, Tensor($0.value)) })
    }

    /// Loads parameter values from named tensors.
    public func load(_ tensors: [String: Tensor], prefix: String = "", file: String) throws {
        for parameter in parameters {
            guard let tensor = tensors[prefix + parameter.name] else {
                throw TrainingError("\(file): no tensor \(prefix + parameter.name); was it written by a run with the same configuration?")
            }
            let matrix = try tensor.matrix()
            guard matrix.rows == parameter.value.rows, matrix.columns == parameter.value.columns else {
                throw TrainingError("\(file): \(parameter.name) is \(matrix.rows)×\(matrix.columns), expected \(parameter.value.rows)×\(parameter.value.columns)")
            }
            parameter.value = matrix
        }
    }
}

/// Adam (Kingma & Ba) with PyTorch's L2 `weight_decay` added to the gradient.
public final class AdamOptimizer {
    /// First and second moment estimates of one parameter, updated in place.
    final class Moments {
        var first: [Float]
        var second: [Float]
        init(count: Int) {
            first = [Float](repeating: 0, count: count)
            second = [Float](repeating: 0, count: count)
        }
    }

    /// The current learning rate.
    public var learningRate: Float
    let weightDecay: Float
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    /// Steps taken.
    public internal(set) var step = 0
    var moments: [String: Moments] = [:]

    /// Creates the optimiser.
    public init(learningRate: Float, weightDecay: Float) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// One step: advances the step count and updates every parameter from its gradient.
    ///
    /// - Complexity: O(parameters), one pass over each buffer.
    public func update(_ parameters: [Parameter]) {
        beginStep()
        apply(parameters)
    }

    /// Advances the step count; then ``apply(_:)`` may update disjoint groups from different threads.
    public func beginStep() { step += 1 }

    /// Updates `parameters` for the current step (after ``beginStep()``), in pieces of at most
    /// ``piece`` values spread over the cores (each value's update is independent of the others').
    ///
    /// - Parameter clearingGradients: leave the gradients zero, ready for the next step (cleared while the
    ///   update has them in the cache, instead of in a pass of their own).
    public func apply(_ parameters: [Parameter], clearingGradients: Bool = false) {
        let step = max(self.step, 1)
        let correction1 = 1 - pow(beta1, Float(step))
        let correction2 = 1 - pow(beta2, Float(step))
        let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
        let baseStepSize = learningRate / correction1
        let inverseCorrection2 = 1 / correction2
        var pieces: [(parameter: Parameter, state: Moments, range: Range<Int>)] = []
        for parameter in parameters {
            let count = parameter.value.values.count
            let state = moments(for: parameter.name, count: count)
            for start in stride(from: 0, to: count, by: Self.piece) { pieces.append((parameter, state, start..<min(start + Self.piece, count))) }
        }
        // Each piece reaches its buffers through pointers taken here, once: the threads write disjoint ranges.
        withBuffers(pieces.map { ($0.parameter, $0.state) }) { buffers in
            _ = Parallel.spread(pieces.count) { index in
                let (parameter, range) = (pieces[index].parameter, pieces[index].range)
                let b = buffers[ObjectIdentifier(parameter)]!
                Kernels.adam(
                    value: UnsafeMutableBufferPointer(rebasing: b.value[range]), gradient: UnsafeMutableBufferPointer(rebasing: b.gradient[range]),
                    m: UnsafeMutableBufferPointer(rebasing: b.m[range]), v: UnsafeMutableBufferPointer(rebasing: b.v[range]), beta1: b1, beta2: b2,
                    decay: decay, stepSize: baseStepSize * parameter.learningRateScale, inverseCorrection2: inverseCorrection2, epsilon: eps,
                    clearingGradient: clearingGradients)
            }
        }
    }

    /// Values per piece of an update: large enough that claiming a piece costs nothing beside it.
    static let piece = 1 << 18

    private typealias Buffers = (
        value: UnsafeMutableBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, m: UnsafeMutableBufferPointer<Float>,
        v: UnsafeMutableBufferPointer<Float>
    )

    /// Calls `body` with the buffers of every distinct parameter held open (nested, one parameter at a time).
    private func withBuffers(_ list: [(Parameter, Moments)], _ body: ([ObjectIdentifier: Buffers]) -> Void) {
        var seen = Set<ObjectIdentifier>()
        let distinct = list.filter { seen.insert(ObjectIdentifier($0.0)).inserted }
        func open(_ index: Int, _ held: [ObjectIdentifier: Buffers]) {
            guard index < distinct.count else { return body(held) }
            let (parameter, state) = distinct[index]
            parameter.value.values.withUnsafeMutableBufferPointer { value in
                parameter.gradient.values.withUnsafeMutableBufferPointer { gradient in
                    state.first.withUnsafeMutableBufferPointer { m in
                        state.second.withUnsafeMutableBufferPointer { v in
                            var next = held
                            next[ObjectIdentifier(parameter)] = (value, gradient, m, v)
                            open(index + 1, next)
                        }
                    }
                }
            }
        }
        open(0, [:])
    }

    private let lock = NSLock()

    /// The moments of a parameter, created on first use (guarded: groups update from two threads).
    private func moments(for name: String, count: Int) -> Moments {
        lock.lock()
        defer { lock.unlock() }
        if let existing = moments[name] { return existing }
        let fresh = Moments(count: count)
        moments[name] = fresh
        return fresh
    }

    /// The moments as named tensors, for checkpoints.
    func tensors(_ parameters: [Parameter]) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for parameter in parameters {
            let shape = [parameter.value.rows, parameter.value.columns]
            if let state = moments[parameter.name],
                let m = try? Tensor(float32: state.first, shape: shape), let v = try? Tensor(float32: state.second, shape: shape)
            {
                result["adam.m.\(parameter.name)"] = m
                result["adam.v.\(parameter.name)"] = v
            }
        }
        return result
    }

    func load(_ tensors: [String: Tensor], parameters: [Parameter]) throws {
        for parameter in parameters {
            if let m = tensors["adam.m.\(parameter.name)"], let v = tensors["adam.v.\(parameter.name)"] {
                let state = Moments(count: 0)
                state.first = try m.floatValues()
                state.second = try v.floatValues()
                // The moments are updated element by element beside the parameter: their sizes must match it.
                guard state.first.count == parameter.value.values.count, state.second.count == parameter.value.values.count else {
                    throw TrainingError("the checkpoint's Adam state of \(parameter.name) has \(state.first.count) values, the parameter "
                        + "\(parameter.value.values.count); was it written by a run with the same configuration?")
                }
                moments[parameter.name] = state
            }
        }
    }
}
