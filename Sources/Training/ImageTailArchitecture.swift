/// The shape of the part of an image network that a run fine-tunes: its last MBConv blocks and the head,
/// from the feature map those blocks read. Recorded in `config.json`, so a trained run can be rebuilt
/// (and its weights loaded) without the pretrained network.
public struct ImageTailArchitecture: Codable, Equatable, Sendable {
    /// One inverted-residual block: optional 1×1 expansion with ReLU6, depthwise k×k with ReLU6, 1×1
    /// projection, and a residual add when the shape is kept.
    public struct Block: Codable, Equatable, Sendable {
        /// Input channels.
        public var input: Int
        /// Channels after the expansion (nil: the block has none and the depthwise reads the input).
        public var expanded: Int?
        /// Output channels.
        public var output: Int
        /// The depthwise kernel's side.
        public var kernel: Int
        /// The depthwise convolution's stride.
        public var stride: Int
        /// Whether the input is added to the projection.
        public var residual: Bool

        /// Creates a block shape.
        public init(input: Int, expanded: Int?, output: Int, kernel: Int, stride: Int, residual: Bool) {
            self.input = input
            self.expanded = expanded
            self.output = output
            self.kernel = kernel
            self.stride = stride
            self.residual = residual
        }

        /// The channels the depthwise convolution works on.
        public var depthwiseChannels: Int { expanded ?? input }
    }

    /// The input map's height.
    public var height: Int
    /// The input map's width.
    public var width: Int
    /// The input map's channels.
    public var channels: Int
    /// The blocks, input first.
    public var blocks: [Block]
    /// The head's output channels (the pooled feature width).
    public var headOutput: Int

    /// Creates an architecture.
    public init(height: Int, width: Int, channels: Int, blocks: [Block], headOutput: Int) {
        self.height = height
        self.width = width
        self.channels = channels
        self.blocks = blocks
        self.headOutput = headOutput
    }

    /// Floats per image of the input map, `height × width × channels`.
    public var inputWidth: Int { height * width * channels }

    /// The most channels of any layer, and the most blocks: far above EfficientNet's (at most 1,920 and 40),
    /// low enough that no weight matrix a `config.json` describes can exhaust memory.
    public static let maxChannels = 16_384, maxBlocks = 64

    /// Checks that the blocks chain and every size is positive and bounded (a `config.json` is user input:
    /// the weights are allocated from these sizes).
    public func validate() throws(TrainingError) {
        let limit = Self.maxChannels
        guard (1...1024).contains(height), (1...1024).contains(width), (1...limit).contains(channels), (1...limit).contains(headOutput),
            height * width * channels <= 1 << 24, blocks.count <= Self.maxBlocks
        else {
            throw TrainingError("the fine-tuned image network's input map \(height)×\(width)×\(channels), \(blocks.count) blocks or head "
                + "width \(headOutput) is out of range")
        }
        var c = channels
        for (index, block) in blocks.enumerated() {
            guard block.input == c, (1...limit).contains(block.output), (1...limit).contains(block.expanded ?? 1), (1...15).contains(block.kernel),
                block.stride == 1 || block.stride == 2, !block.residual || (block.stride == 1 && block.input == block.output)
            else { throw TrainingError("block \(index) of the fine-tuned image network does not fit the one before it or is out of range") }
            c = block.output
        }
    }
}

/// How a run fine-tunes the image network: how many of its last blocks train, at which learning rate,
/// and whether images are flipped at random (the first work's augmentation).
public struct ImageFinetuning: Codable, Equatable, Sendable {
    /// The number of MBConv blocks from the end that train, with the head.
    public var blocks: Int
    /// Adam's learning rate for the network's weights (the towers keep the run's).
    public var learningRate: Float
    /// Draw the image or its horizontal mirror at random for each training pair.
    public var flip: Bool
    /// The tail's shape, filled in when the pretrained network is read.
    public var architecture: ImageTailArchitecture?

    /// Creates the settings.
    public init(blocks: Int, learningRate: Float = 1e-5, flip: Bool = true, architecture: ImageTailArchitecture? = nil) {
        self.blocks = blocks
        self.learningRate = learningRate
        self.flip = flip
        self.architecture = architecture
    }
}
