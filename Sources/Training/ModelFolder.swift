import Foundation
import SafeFiles

/// The files of one trained model: `best.safetensors` (the chosen epoch's weights and Adam state),
/// `last.safetensors` (the latest epoch's, for `--resume`) and `metrics.jsonl` (one ``EpochRecord`` a line).
///
/// A run folder holds one such model, or two in `image-to-text/` and `text-to-image/` when it trains
/// the directions separately.
public struct ModelFolder: Sendable, Equatable {
    /// The folder.
    public let url: URL

    /// A model kept in `url`.
    public init(_ url: URL) { self.url = url }

    /// The weights of the best epoch so far.
    public var bestCheckpoint: URL { url.appendingPathComponent("best.safetensors") }
    /// The weights of the latest epoch.
    public var lastCheckpoint: URL { url.appendingPathComponent("last.safetensors") }
    /// One JSON record per epoch.
    public var metricsFile: URL { url.appendingPathComponent("metrics.jsonl") }

    /// Whether the model has finished an epoch.
    public var hasBestCheckpoint: Bool { FileManager.default.fileExists(atPath: bestCheckpoint.path) }

    /// The epoch records in `metrics.jsonl`; none when it is missing or not a regular file of at most
    /// 64 MiB, and unreadable lines are passed over.
    public func records() -> [EpochRecord] {
        guard let text = try? RegularFile.text(metricsFile, maxBytes: 64 << 20) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }

    /// Rewrites `metrics.jsonl` with `records` (atomically).
    public func write(records: [EpochRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: metricsFile, options: .atomic)
    }
}
