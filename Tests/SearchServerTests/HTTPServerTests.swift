import Foundation
import TestSupport
import Testing
import SafeFiles
@testable import SearchServer

#if canImport(Glibc)
import Glibc
#endif

/// The server against clients that misbehave: slow heads, oversized heads and bodies, floods of idle
/// connections, more work than workers; it answers as a well-kept server does and keeps serving.
@Suite(.serialized) struct HTTPServerTests {
    /// A server on a free port with a trivial handler, stopped by `stop()`.
    final class Running: @unchecked Sendable {
        let server: HTTPServer
        let port: UInt16
        let thread: Thread

        init(limits: ServerLimits, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse = { request in
            HTTPResponse(status: 200, body: Data("\(request.method) \(request.path) \(request.body.count)".utf8))
        }) throws {
            let server = HTTPServer(host: "127.0.0.1", port: 0, limits: limits, handler: handler)
            let ready = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var url = ""
            thread = Thread {
                try? server.run { listening in
                    url = listening
                    ready.signal()
                }
            }
            thread.start()
            #expect(ready.wait(timeout: .now() + 10) == .success)
            self.server = server
            port = try #require(UInt16(url.split(separator: ":").last?.filter(\.isNumber) ?? ""))
        }

        func stop() { server.stop() }
    }

    static var small: ServerLimits {
        var limits = ServerLimits()
        limits.headerSeconds = 1
        limits.idleSeconds = 1
        limits.bodySeconds = 1
        limits.maxHeaderBytes = 1024
        limits.maxBodyBytes = 1000
        limits.workers = 2
        return limits
    }

    @Test func slowHeadsAreCutOffWith408() throws {
        let running = try Running(limits: Self.small)
        defer { running.stop() }
        let client = try LoopbackSocket(port: running.port)
        client.send("GET /slow HTTP/1.1\r\n")
        let started = Date()
        let answer = client.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 408"))
        #expect(Date().timeIntervalSince(started) < 3)
        // Still serving.
        let next = try LoopbackSocket(port: running.port)
        next.send("GET /after HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(next.readToEnd().contains("GET /after 0"))
    }

    @Test func anOversizedBodyGets413AndTheConnectionCloses() throws {
        let running = try Running(limits: Self.small)
        defer { running.stop() }
        let client = try LoopbackSocket(port: running.port)
        // The body that follows must not be read as the next request.
        client.send("POST /upload HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + "GET /smuggled HTTP/1.1\r\n\r\n")
        let answer = client.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 413"))
        #expect(answer.contains("Connection: close"))
        #expect(!answer.contains("smuggled"))
    }

    @Test func oversizedHeadsAndChunkedBodiesAreRefused() throws {
        let running = try Running(limits: Self.small)
        defer { running.stop() }
        let big = try LoopbackSocket(port: running.port)
        big.send("GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 4000) + "\r\n\r\n")
        #expect(big.readToEnd().hasPrefix("HTTP/1.1 431"))
        let chunked = try LoopbackSocket(port: running.port)
        chunked.send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(chunked.readToEnd().hasPrefix("HTTP/1.1 501"))
        let noLength = try LoopbackSocket(port: running.port)
        noLength.send("POST / HTTP/1.1\r\n\r\n")
        #expect(noLength.readToEnd().hasPrefix("HTTP/1.1 411"))
        let garbage = try LoopbackSocket(port: running.port)
        garbage.send("\u{1}\u{2} nonsense\r\n\r\n")
        #expect(garbage.readToEnd().hasPrefix("HTTP/1.1 400"))
    }

    @Test func keptAliveAndPipelinedRequestsAreAnsweredInOrder() throws {
        let running = try Running(limits: Self.small)
        defer { running.stop() }
        let client = try LoopbackSocket(port: running.port)
        client.send("GET /one HTTP/1.1\r\n\r\nPOST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\n\r\n")
        let answers = client.read(responses: 3)
        let one = try #require(answers.range(of: "GET /one 0")), two = try #require(answers.range(of: "POST /two 3"))
        let three = try #require(answers.range(of: "GET /three 0"))
        #expect(one.lowerBound < two.lowerBound && two.lowerBound < three.lowerBound)
    }

    @Test func aFloodOfIdleConnectionsDoesNotLockOutANewClient() throws {
        let running = try Running(limits: Self.small.with { $0.maxConnections = 16; $0.headerSeconds = 30 })
        defer { running.stop() }
        let idle = try (0..<40).map { _ in try LoopbackSocket(port: running.port) }
        for (index, client) in idle.enumerated() where index % 2 == 0 { client.send("GET / HTTP/1.1\r\nX-Slow: ") }
        let client = try LoopbackSocket(port: running.port)
        client.send("GET /fresh HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(client.readToEnd().contains("GET /fresh 0"))
    }

    @Test func moreWorkThanWorkersGets503NotAnEndlessQueue() throws {
        let running = try Running(limits: Self.small.with { $0.workers = 1; $0.queueCapacity = 1 }) { request in
            Thread.sleep(forTimeInterval: request.path == "/slow" ? 1.5 : 0)
            return HTTPResponse(status: 200, body: Data(request.path.utf8))
        }
        defer { running.stop() }
        let clients = try (0..<3).map { _ in try LoopbackSocket(port: running.port) }
        for client in clients {
            client.send("GET /slow HTTP/1.1\r\nConnection: close\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.1)
        }
        let answers = clients.map { $0.readToEnd() }
        #expect(answers.filter { $0.hasPrefix("HTTP/1.1 200") }.count == 2)
        #expect(answers.filter { $0.hasPrefix("HTTP/1.1 503") }.count == 1)
    }

    @Test func bodiesBeyondTheBufferBudgetGet503() throws {
        let running = try Running(limits: Self.small.with { $0.maxBufferedBytes = 1500; $0.bodySeconds = 5 })
        defer { running.stop() }
        let first = try LoopbackSocket(port: running.port), second = try LoopbackSocket(port: running.port)
        first.send("POST /a HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 900))
        Thread.sleep(forTimeInterval: 0.2)
        second.send("POST /b HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "y", count: 900))
        #expect(second.readToEnd().hasPrefix("HTTP/1.1 503"))
        first.send(String(repeating: "x", count: 100))
        #expect(first.read(responses: 1).contains("POST /a 1000"))
    }

    @Test func contentLengthIsDigitsOnly() throws {
        let running = try Running(limits: Self.small)
        defer { running.stop() }
        // RFC 9112 §6.3: a sign, a hex prefix or an empty value is not a length, however `Int` would read it.
        for value in ["+5", "-0", "0x5", "", "5 5", "١٢"] {
            let client = try LoopbackSocket(port: running.port)
            client.send("POST /x HTTP/1.1\r\nContent-Length: \(value)\r\n\r\nhello")
            let answer = client.readToEnd()
            #expect(answer.hasPrefix("HTTP/1.1 400"), "Content-Length: \(value) got \(answer.prefix(40))")
        }
        let good = try LoopbackSocket(port: running.port)
        good.send("POST /x HTTP/1.1\r\nContent-Length: 0005\r\nConnection: close\r\n\r\nhello")
        #expect(good.readToEnd().contains("POST /x 5"))
    }

    @Test func onlyAllowedHostsAreAnswered() throws {
        let running = try Running(limits: Self.small.with { $0.allowedHosts = ["127.0.0.1", "localhost", "[::1]"] })
        defer { running.stop() }
        func status(_ head: String) throws -> String {
            let client = try LoopbackSocket(port: running.port)
            client.send(head + "Connection: close\r\n\r\n")
            return String(client.readToEnd().prefix(12))
        }
        // A page on another site reaching 127.0.0.1 through DNS rebinding sends its own name.
        #expect(try status("GET / HTTP/1.1\r\nHost: attacker.example:8080\r\n") == "HTTP/1.1 421")
        #expect(try status("GET / HTTP/1.1\r\nHost: 127.0.0.1.attacker.example\r\n") == "HTTP/1.1 421")
        #expect(try status("GET / HTTP/1.1\r\n") == "HTTP/1.1 400")  // HTTP/1.1 must name a host
        #expect(try status("GET / HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example\r\n") == "HTTP/1.1 400")
        #expect(try status("GET / HTTP/1.1\r\nHost: [::1]:x\r\n") == "HTTP/1.1 400")
        #expect(try status("GET / HTTP/1.1\r\nHost: LOCALHOST:8080\r\n") == "HTTP/1.1 200")
        #expect(try status("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n") == "HTTP/1.1 200")
        #expect(try status("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n") == "HTTP/1.1 200")
        #expect(try status("GET / HTTP/1.0\r\n") == "HTTP/1.1 200")
    }

    /// A file of `bytes` pseudo-random bytes in a new temporary folder.
    static func file(bytes: Int) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent("photo.bin")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        return url
    }

    @Test func fileAnswersComeFromDiskAndSlowReadersHoldNoCopy() throws {
        let url = try Self.file(bytes: 4 << 20)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let expected = try Data(contentsOf: url)
        let running = try Running(limits: Self.small.with { $0.writeSeconds = 2 }) { _ in
            guard let file = try? OpenedFile(url, maxBytes: 64 << 20) else { return .error(500, "cannot open") }
            return HTTPResponse(status: 200, file: file)
        }
        defer { running.stop() }
        // A client that reads gets every byte.
        let reader = try LoopbackSocket(port: running.port)
        reader.send("GET /photo HTTP/1.1\r\nConnection: close\r\n\r\n")
        var answer = Data()
        while case let chunk = reader.receive(), !chunk.isEmpty { answer += chunk }
        let split = try #require(answer.range(of: Data("\r\n\r\n".utf8)))
        #expect(answer[split.upperBound...] == expected)
        // Forty that ask and never read: the server holds their heads' bytes only, and drops them at the write deadline.
        let stalled = try (0..<40).map { _ in try LoopbackSocket(port: running.port, receiveBuffer: 4096) }
        for client in stalled { client.send("GET /photo HTTP/1.1\r\n\r\n") }
        Thread.sleep(forTimeInterval: 0.5)
        let during = running.server.status
        #expect(during.connections == 40)
        #expect(during.heldBytes < 40 * 1024, "held \(during.heldBytes) bytes for 40 stalled readers")
        Thread.sleep(forTimeInterval: 2.5)
        #expect(running.server.status == .init(connections: 0, heldBytes: 0))
    }

    @Test func answersHeldInMemoryCountAgainstTheBudget() throws {
        let body = Data(repeating: 7, count: 4 << 20)
        let running = try Running(limits: Self.small.with { $0.maxBufferedBytes = 6 << 20; $0.writeSeconds = 5 }) { _ in
            HTTPResponse(status: 200, body: body)
        }
        defer { running.stop() }
        // The first answer cannot all leave (the client does not read), so most of its 4 MiB stay held.
        let stalled = try LoopbackSocket(port: running.port, receiveBuffer: 4096)
        stalled.send("GET /a HTTP/1.1\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(running.server.status.heldBytes > 2 << 20)
        let second = try LoopbackSocket(port: running.port)
        second.send("GET /b HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(second.read(responses: 1).hasPrefix("HTTP/1.1 503"))
    }
}

extension ServerLimits {
    /// These limits with some changed.
    func with(_ change: (inout ServerLimits) -> Void) -> ServerLimits {
        var copy = self
        change(&copy)
        return copy
    }
}
