import Encoders
import Numerics
import Training

extension EfficientNetLite {
    /// The last `blocks` blocks and the head as a fine-tuning run trains them: the shape `config.json`
    /// records and the pretrained weights an ``ImageNetworkTail`` starts from.
    public func finetuningTail(blocks: Int) throws -> (architecture: ImageTailArchitecture, weights: [String: Matrix]) {
        let (shapes, weights) = try tail(blocks: blocks)
        let map = mapShape(beforeLast: blocks)
        let architecture = ImageTailArchitecture(
            height: map.height, width: map.width, channels: map.channels,
            blocks: shapes.map {
                ImageTailArchitecture.Block(
                    input: $0.input, expanded: $0.expanded, output: $0.output, kernel: $0.kernel, stride: $0.stride, residual: $0.residual)
            },
            headOutput: Self.featureDimension)
        return (architecture, weights)
    }
}
