import Encoders

/// The image encoders a run can use, by the name `config.json` and `--image-encoder` give.
public enum ImageEncoderName: String, Codable, CaseIterable, Sendable, NamedChoice {
    /// EfficientNet-Lite0: 1280-d features of a 224×224 image.
    case efficientnetLite0 = "efficientnet-lite0"
    /// EfficientNet-Lite2: 1280-d features of a 260×260 image (about twice Lite0's work).
    case efficientnetLite2 = "efficientnet-lite2"

    static let kind = "image encoder"

    /// The network.
    public var variant: EfficientNetLite.Variant { self == .efficientnetLite0 ? .lite0 : .lite2 }

    /// Decoding limits that cover the encoder's input.
    public var decodeLimits: DecodeLimits { DecodeLimits.forImageEncoder.covering(variant.inputSize) }
}

/// What a run reads of each image: the pooled features of the whole network (frozen), or the feature map
/// before the blocks a fine-tuning run trains, with the map of the image's mirror beside it for training.
public enum ImageFeatureStage: Equatable, Sendable {
    /// The 1280-d pooled features.
    case pooled
    /// The map the last `blocks` blocks read, `height × width × channels` per image (twice that with mirrors).
    case maps(beforeLast: Int, mirrors: Bool)

    /// What a run with these settings reads at evaluation (no mirrors).
    public static func evaluation(finetuning: Int?) -> ImageFeatureStage {
        finetuning.map { .maps(beforeLast: $0, mirrors: false) } ?? .pooled
    }
}
