import Foundation
import TestSupport
import Numerics
import Search
import Testing

/// A real PostgreSQL 16 + pgvector from the pgserver wheel, started by scripts/postgres.sh.
final class PostgresServer {
    let folder: URL
    let url: String
    static var repository: URL { ProgramRun.repository }

    init() throws {
        folder = try temporaryFolder()
        let port = try freeLoopbackPort()
        url = try Self.script(["start", folder.path, "\(port)"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        _ = try? Self.script(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let result = try ProgramRun.onPath(["bash", repository.appendingPathComponent("scripts/postgres.sh").path] + arguments)
        guard result.status == 0 else {
            throw SearchError("scripts/postgres.sh \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
        return result.standardOutput
    }
}

@Suite(.serialized) struct PostgresVectorSearchTests {
    @Test func sameTopKAsTheEmbeddedBackend() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = unitRows(500, 32, seed: 5)
        let captions = unitRows(1500, 32, seed: 6)
        try LocalVectorSearch.write(images, set: .images, to: folder, graph: false)
        try LocalVectorSearch.write(captions, set: .captions, to: folder, graph: false)
        try PostgresVectorSearch.write(
            images, set: .images, ids: (0..<500).map { "img\($0).jpg" }, labels: (0..<500).map { "/data/img\($0).jpg" },
            url: server.url, prefix: "test")
        try PostgresVectorSearch.write(
            captions, set: .captions, ids: (0..<1500).map { "img\($0 / 3).jpg#\($0 % 3)" }, labels: (0..<1500).map { "caption\t\($0) with \\ and \n" },
            url: server.url, prefix: "test")
        let local = try LocalVectorSearch(folder: folder, dimension: 32)
        let remote = try PostgresVectorSearch(url: server.url, prefix: "test", dimension: 32)
        #expect(Set(remote.sets) == [.images, .captions])
        for q in 0..<10 {
            let query = unitRows(1, 32, seed: 50 + UInt64(q)).values
            for set in [VectorSet.images, .captions] {
                let a = try local.search(query, in: set, k: 10)
                let b = try remote.search(query, in: set, k: 10)
                #expect(a.map(\.row) == b.map(\.row), "query \(q) in \(set)")
                for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
            }
        }
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: server.url, prefix: "Robert'); DROP TABLE x;--", dimension: 32) }
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: server.url, prefix: "absent", dimension: 32) }
    }

    @Test func unreachableServerIsAClearError() {
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: "postgres://nobody@127.0.0.1:1/none", prefix: "x", dimension: 4) }
    }
}
