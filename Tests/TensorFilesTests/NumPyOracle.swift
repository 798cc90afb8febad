import Foundation
import TestSupport

/// Runs short Python scripts with NumPy as an independent oracle for file formats.
enum NumPyOracle {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `python3 -c script arguments…` and returns standard output; throws on a non-zero exit.
    @discardableResult
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let result = try ProgramRun.onPath(["python3", "-c", script] + arguments)
        guard result.status == 0 else {
            throw Failure(description: "python3 failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}

/// A fresh folder under the system temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
