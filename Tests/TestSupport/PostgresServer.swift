import Foundation

/// A real PostgreSQL 16 + pgvector from the pgserver wheel, started by scripts/postgres.sh on a free
/// port in a fresh data folder, for tests that compare the PostgreSQL backend with the embedded one.
public final class PostgresServer {
    /// The data folder.
    public let folder: URL
    /// A postgres:// URL for the server.
    public let url: String

    /// Starts a server (several seconds).
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        url = try Self.script(["start", folder.path, "\(port)"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server and deletes its data.
    public func stop() {
        _ = try? Self.script(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    /// A failure of scripts/postgres.sh, with what it wrote.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let result = try ProgramRun.onPath(["bash", ProgramRun.repository.appendingPathComponent("scripts/postgres.sh").path] + arguments)
        guard result.status == 0 else {
            throw Failure(description: "scripts/postgres.sh \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}
