/// The image encoders a run can use, by the name `config.json` and `--image-encoder` give.
public enum ImageEncoderName: String, Codable, CaseIterable, Sendable {
    /// EfficientNet-Lite0: 1280-d features of a 224×224 image.
    case efficientnetLite0 = "efficientnet-lite0"

    /// Parses a name, or says which names exist.
    public init(named name: String) throws(PipelineError) {
        guard let known = Self(rawValue: name) else {
            throw PipelineError("unknown image encoder \(name.debugDescription); known: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = known
    }
}
