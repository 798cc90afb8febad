import Foundation
import Numerics
import TensorFiles

/// The all-MiniLM-L6-v2 sentence encoder: a 6-layer BERT (hidden 384, 12 heads, GELU) whose token
/// outputs are mean-pooled over the sentence and L2-normalised to a 384-d embedding.
///
/// Sentences of a batch are packed end to end without padding: every linear layer is one GEMM over
/// all tokens of the batch, and attention runs per sentence and head on strided views.
public struct MiniLMEncoder: Sendable {
    struct Layer {
        let qkvWeight: [Float], qkvBias: [Float]  // (3·hidden) × hidden: query, key, value stacked
        let attentionOutWeight: [Float], attentionOutBias: [Float]
        let attentionNormGamma: [Float], attentionNormBeta: [Float]
        let intermediateWeight: [Float], intermediateBias: [Float]
        let outputWeight: [Float], outputBias: [Float]
        let outputNormGamma: [Float], outputNormBeta: [Float]
    }

    /// The tokenizer that maps text to the model's ids.
    public let tokenizer: WordPieceTokenizer
    /// The embedding width (384).
    public let hidden: Int
    let heads: Int
    let intermediate: Int
    let epsilon: Float
    let wordEmbeddings: [Float]
    let positionEmbeddings: [Float]
    let maximumPositions: Int
    let tokenTypeEmbedding: [Float]
    let embeddingNormGamma: [Float], embeddingNormBeta: [Float]
    let layers: [Layer]

    /// Loads `config.json`, `model.safetensors` and `vocab.txt` from a sentence-transformers folder.
    public init(folder: URL, maximumLength: Int = 256) throws {
        let configFile = folder.appendingPathComponent("config.json")
        guard let configData = try? Data(contentsOf: configFile),
            let config = try JSONSerialization.jsonObject(with: configData) as? [String: Any],
            let hidden = config["hidden_size"] as? Int, let heads = config["num_attention_heads"] as? Int,
            let layerCount = config["num_hidden_layers"] as? Int, let intermediate = config["intermediate_size"] as? Int
        else {
            throw EncoderError("\(configFile.path): missing or not a BERT config (hidden_size, num_attention_heads, …)")
        }
        guard (config["hidden_act"] as? String ?? "gelu") == "gelu" else {
            throw EncoderError("\(configFile.path): only the exact GELU activation is supported")
        }
        let weightsFile = folder.appendingPathComponent("model.safetensors")
        let archive = try SafetensorsFile.read(weightsFile)
        func values(_ name: String) throws -> [Float] { try archive.tensor(name, file: weightsFile.path).floatValues() }

        self.tokenizer = try WordPieceTokenizer(
            vocabularyFile: folder.appendingPathComponent("vocab.txt"), maximumLength: maximumLength)
        self.hidden = hidden
        self.heads = heads
        self.intermediate = intermediate
        self.epsilon = Float(config["layer_norm_eps"] as? Double ?? 1e-12)
        self.wordEmbeddings = try values("embeddings.word_embeddings.weight")
        self.positionEmbeddings = try values("embeddings.position_embeddings.weight")
        self.maximumPositions = positionEmbeddings.count / hidden
        self.tokenTypeEmbedding = Array(try values("embeddings.token_type_embeddings.weight").prefix(hidden))
        self.embeddingNormGamma = try values("embeddings.LayerNorm.weight")
        self.embeddingNormBeta = try values("embeddings.LayerNorm.bias")
        self.layers = try (0..<layerCount).map { index in
            let p = "encoder.layer.\(index)"
            return Layer(
                qkvWeight: try values("\(p).attention.self.query.weight") + values("\(p).attention.self.key.weight")
                    + values("\(p).attention.self.value.weight"),
                qkvBias: try values("\(p).attention.self.query.bias") + values("\(p).attention.self.key.bias")
                    + values("\(p).attention.self.value.bias"),
                attentionOutWeight: try values("\(p).attention.output.dense.weight"),
                attentionOutBias: try values("\(p).attention.output.dense.bias"),
                attentionNormGamma: try values("\(p).attention.output.LayerNorm.weight"),
                attentionNormBeta: try values("\(p).attention.output.LayerNorm.bias"),
                intermediateWeight: try values("\(p).intermediate.dense.weight"),
                intermediateBias: try values("\(p).intermediate.dense.bias"),
                outputWeight: try values("\(p).output.dense.weight"),
                outputBias: try values("\(p).output.dense.bias"),
                outputNormGamma: try values("\(p).output.LayerNorm.weight"),
                outputNormBeta: try values("\(p).output.LayerNorm.bias"))
        }
        guard tokenizer.maximumLength <= maximumPositions else {
            throw EncoderError("maximum length \(tokenizer.maximumLength) exceeds the model's \(maximumPositions) positions")
        }
    }

    /// L2-normalised sentence embeddings, one row per text.
    ///
    /// - Complexity: O(T · hidden² ) for T tokens in all, plus O(Σ Lᵢ² · hidden) for attention.
    public func embed(_ texts: [String]) -> Matrix {
        encode(texts.map(tokenizer.encode))
    }

    /// The embeddings of `texts`, stopping between layers once `deadline` passes.
    public func embed(_ texts: [String], deadline: Deadline) throws(DeadlineExceeded) -> Matrix {
        guard let output = encode(texts.map(tokenizer.encode), deadline: deadline) else { throw DeadlineExceeded() }
        return output
    }

    /// L2-normalised mean-pooled embeddings of already tokenised sequences.
    public func encode(_ sequences: [[Int32]]) -> Matrix {
        encode(sequences, deadline: .never) ?? Matrix(rows: sequences.count, columns: hidden)
    }

    /// The embeddings, or nil when `deadline` passed between two layers.
    func encode(_ sequences: [[Int32]], deadline: Deadline) -> Matrix? {
        let lengths = sequences.map(\.count)
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let tokens = offsets.last!
        var output = Matrix(rows: sequences.count, columns: hidden)
        guard tokens > 0 else { return output }

        var x = [Float](repeating: 0, count: tokens * hidden)
        for (s, sequence) in sequences.enumerated() {
            for (position, id) in sequence.enumerated() {
                let row = (offsets[s] + position) * hidden
                let word = Int(id) * hidden
                let place = position * hidden
                for c in 0..<hidden {
                    x[row + c] = wordEmbeddings[word + c] + positionEmbeddings[place + c] + tokenTypeEmbedding[c]
                }
            }
        }
        LayerKernels.addAndNormalize(&x, residual: nil, gamma: embeddingNormGamma, beta: embeddingNormBeta, epsilon: epsilon)

        for layer in layers {
            if deadline.hasPassed { return nil }
            let qkv = LayerKernels.linear(x, rows: tokens, input: hidden, weight: layer.qkvWeight, bias: layer.qkvBias)
            let context = attention(qkv, offsets: offsets)
            var attended = LayerKernels.linear(
                context, rows: tokens, input: hidden, weight: layer.attentionOutWeight, bias: layer.attentionOutBias)
            LayerKernels.addAndNormalize(
                &attended, residual: x, gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta, epsilon: epsilon)
            var inner = LayerKernels.linear(
                attended, rows: tokens, input: hidden, weight: layer.intermediateWeight, bias: layer.intermediateBias)
            LayerKernels.gelu(&inner)
            var out = LayerKernels.linear(
                inner, rows: tokens, input: intermediate, weight: layer.outputWeight, bias: layer.outputBias)
            LayerKernels.addAndNormalize(
                &out, residual: attended, gamma: layer.outputNormGamma, beta: layer.outputNormBeta, epsilon: epsilon)
            x = out
        }

        for s in 0..<sequences.count where lengths[s] > 0 {
            let scale = 1 / Float(lengths[s])
            for t in offsets[s]..<offsets[s + 1] {
                for c in 0..<hidden { output.values[s * hidden + c] += x[t * hidden + c] * scale }
            }
        }
        output.normalizeRows()
        return output
    }

    /// Scaled dot-product attention of every sentence and head: `softmax(Q Kᵀ / √d) V`.
    private func attention(_ qkv: [Float], offsets: [Int]) -> [Float] {
        let tokens = offsets.last!
        let headWidth = hidden / heads
        let stride = 3 * hidden
        let scale = 1 / Float(headWidth).squareRoot()
        var context = [Float](repeating: 0, count: tokens * hidden)
        let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
        var scores = [Float](repeating: 0, count: longest * longest)
        qkv.withUnsafeBufferPointer { pqkv in
            context.withUnsafeMutableBufferPointer { pctx in
                scores.withUnsafeMutableBufferPointer { pscores in
                    for s in 0..<(offsets.count - 1) {
                        let length = offsets[s + 1] - offsets[s]
                        guard length > 0 else { continue }
                        let base = pqkv.baseAddress! + offsets[s] * stride
                        for h in 0..<heads {
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: length, n: length, k: headWidth, alpha: scale,
                                a: base + h * headWidth, lda: stride, b: base + hidden + h * headWidth, ldb: stride,
                                c: pscores.baseAddress!, ldc: length)
                            for r in 0..<length {
                                let row = pscores.baseAddress! + r * length
                                var maximum = -Float.infinity
                                for c in 0..<length { maximum = max(maximum, row[c]) }
                                var sum: Float = 0
                                for c in 0..<length {
                                    row[c] = exp(row[c] - maximum)
                                    sum += row[c]
                                }
                                let inverse = 1 / sum
                                for c in 0..<length { row[c] *= inverse }
                            }
                            BLAS.sgemm(
                                transposeA: false, transposeB: false, m: length, n: headWidth, k: length,
                                a: pscores.baseAddress!, lda: length, b: base + 2 * hidden + h * headWidth, ldb: stride,
                                c: pctx.baseAddress! + offsets[s] * hidden + h * headWidth, ldc: hidden)
                        }
                    }
                }
            }
        }
        return context
    }
}
