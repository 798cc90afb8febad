import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A `crossmodal serve` process on a port the system chose (`--port 0`), stopped by `stop()`.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: UInt16
    private let lock = NSLock()
    private var printed = ""
    private var reader: DedicatedThread?
    private var stopped = false

    /// What the server printed so far.
    var output: String { lock.withLock { printed } }

    init(index: String, extra: [String] = []) throws {
        process.executableURL = CommandRunner.executable
        process.arguments = ["serve", index, "--port", "0", "--max-body", "1"] + extra
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says the server is listening, and where.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw CocoaError(.fileReadUnknown) }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        printed = text
        #expect(text.contains("serving"))

        // "… at http://127.0.0.1:PORT/ (Ctrl-C to stop)"
        let afterColon = text.components(separatedBy: "127.0.0.1:").last ?? ""
        port = try #require(UInt16(afterColon.prefix { $0.isNumber }), "no port in \(text)")
        #expect(port != 0)
        // The rest of what it prints (how to use the write token, notes) is collected as it comes.
        let handle = output.fileHandleForReading
        reader = DedicatedThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { printed += String(decoding: chunk, as: UTF8.self) }
            }
        }
    }

    /// Stops the server (again: nothing).
    func stop() {
        guard lock.withLock({ () -> Bool in
            defer { stopped = true }
            return !stopped
        }) else { return }
        process.terminate()
        process.waitUntilExit()
        reader?.wait()
    }

    /// Sends one HTTP/1.1 request over a plain socket (Connection: close) and returns the status and body.
    func request(_ path: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: Data) {
        try HTTPProbe.send(port: port, method: method, path: path, body: body, headers: headers)
    }

    func json(_ path: String) throws -> (status: Int, object: [String: Any]) {
        let (status, body) = try request(path)
        return (status, (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
    }

    /// Types `query` into the served search page in headless Chromium (scripts/search_page_screenshot.py)
    /// and saves a screenshot at `screenshot`, or beside the system's temporary files (then removed). The
    /// script prints what the page shows; a status other than 0 is recorded as an issue.
    @discardableResult
    func searchPage(_ query: String, screenshot: URL? = nil) throws -> CommandRunner.Result {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-page-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let page = try CommandRunner.runProgram([
            "python3", "scripts/search_page_screenshot.py", "http://127.0.0.1:\(port)/", query, (screenshot ?? temporary).path,
        ])
        #expect(page.status == 0, "\(page.standardOutput)\(page.standardError)")
        return page
    }
}

/// index build, search and serve end to end on a small real index; PostgreSQL against the embedded backend.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized) struct ServeCommandTests {
    /// Trains a small MLP-tower run on `data` and builds its dev split's gallery; returns the gallery's folder.
    @discardableResult
    static func smallIndex(_ data: SmallFlickr) throws -> String {
        let train = try CommandRunner.run([
            "train", data.folder.path, "--preset", "thomas2020", "--text-tower", "mlp", "--weights", "1,1,0,0", "--epochs", "2",
            "--learning-rate", "1e-3", "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")
        let build = try CommandRunner.run([
            "index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache"),
        ])
        try #require(build.status == 0, "\(build.standardError)")
        return data.path("index")
    }

    @Test func apiAnswersAndRefusesBadRequestsWhileServing() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let server = try ServerProcess(index: try Self.smallIndex(data))
        defer { server.stop() }

        let health = try server.json("/healthz")
        #expect(health.status == 200 && health.object["images"] as? Int == 40)
        let search = try server.json("/api/search?text=a%20dog%20runs%20on%20the%20grass&k=5&min_probability=0")  // every result, each with its probability
        #expect(search.status == 200)
        let results = try #require(search.object["results"] as? [[String: Any]])
        #expect(results.count == 5)
        let first = try #require(results.first?["id"] as? String)
        let scores = results.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >))

        let item = try server.json("/api/items/\(first)")
        #expect(item.status == 200 && (item.object["captions"] as? [String])?.count == 5)
        let image = try server.request("/api/images/\(first)")
        #expect(image.status == 200 && image.body.starts(with: [0xFF, 0xD8]))
        let jpeg = try Data(contentsOf: data.folder.appendingPathComponent("images/\(first)"))
        let byUpload = try server.json2(path: "/api/search/image?k=3", body: jpeg)
        #expect(byUpload.status == 200)
        #expect(((byUpload.object["results"] as? [[String: Any]])?.first?["kind"] as? String) == "caption")
        let similar = try server.json("/api/search?image_id=\(first)&target=images&k=3")
        #expect(similar.status == 200 && (similar.object["results"] as? [[String: Any]])?.count == 3)
        let page = try server.request("/")
        #expect(String(decoding: page.body, as: UTF8.self).contains("<input type=\"search\""))

        // Bad requests: each gets a 4xx JSON error, and the server keeps serving.
        let bad: [(String, String, Data?, Int)] = [
            ("/api/search?text=dog", "POST", Data("x".utf8), 405),
            ("/api/search/image", "POST", Data(count: 2 << 20), 413),
            ("/api/search/image", "POST", Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]), 400),
            ("/api/items/no-such-id.jpg", "GET", nil, 404),
            ("/api/images/no-such-id.jpg", "GET", nil, 404),
            ("/api/search?text=dog&k=-1", "GET", nil, 400),
            ("/api/search?text=dog&k=1000000000", "GET", nil, 400),
            ("/api/search?text=" + String(repeating: "a", count: 600), "GET", nil, 400),
            ("/api/search", "GET", nil, 400),
            ("/api/images/..%2F..%2F..%2Fetc%2Fpasswd", "GET", nil, 404),
            ("/api/images/%2Fetc%2Fpasswd", "GET", nil, 404),
            ("/api/nothing", "GET", nil, 404),
        ]
        for (path, method, body, expected) in bad {
            let answer = try server.request(path, method: method, body: body)
            #expect(answer.status == expected, "\(method) \(path)")
            let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            #expect((object?["error"] as? [String: Any])?["message"] is String, "\(method) \(path) has a JSON error")
            #expect(try server.json("/healthz").status == 200, "still serving after \(method) \(path)")
        }
    }

    @Test func commandLineSearchAndPostgresAgree() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        try Self.smallIndex(data)
        let local = try CommandRunner.run(["search", data.path("index"), "--text", "two children play in the water", "-k", "5", "--min-probability", "0", "--json"])
        try #require(local.status == 0, "\(local.standardError)")
        let byImage = try CommandRunner.run(["search", data.path("index"), "--image", data.path("images/\(try firstDevImage(data))"), "-k", "3"])
        #expect(byImage.status == 0 && byImage.standardOutput.contains("#"), "\(byImage.standardError)")

        let postgres = try PostgresScript.start()
        defer { postgres.stop() }
        let build = try CommandRunner.run([
            "index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path("pg-index"),
            "--backend", postgres.url, "--table-prefix", "small", "--cache-dir", data.path("cache"),
        ])
        try #require(build.status == 0, "\(build.standardError)")
        let remote = try CommandRunner.run(["search", data.path("pg-index"), "--text", "two children play in the water", "-k", "5", "--min-probability", "0", "--json"])
        try #require(remote.status == 0, "\(remote.standardError)")
        func ids(_ json: String) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return (object?["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        }
        #expect(try ids(local.standardOutput).count == 5)
        #expect(try ids(local.standardOutput) == ids(remote.standardOutput))
    }

    func firstDevImage(_ data: SmallFlickr) throws -> String {
        try String(contentsOfFile: data.path("Flickr_8k.devImages.txt"), encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
    }
}

extension ServerProcess {
    func json2(path: String, body: Data) throws -> (status: Int, object: [String: Any]) {
        let (status, data) = try request(path, method: "POST", body: body)
        return (status, (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }
}

/// scripts/postgres.sh: a real PostgreSQL 16 + pgvector on loopback in a temporary folder.
struct PostgresScript {
    let folder: URL
    let url: String

    static func start() throws -> PostgresScript {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-pg-\(UUID().uuidString)")
        let output = try run(["start", folder.path, "\(try freeLoopbackPort())"])
        return PostgresScript(folder: folder, url: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stop() {
        _ = try? Self.run(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    static func run(_ arguments: [String]) throws -> String {
        let result = try CommandRunner.runProgram(["bash", "scripts/postgres.sh"] + arguments)
        guard result.status == 0 else { throw CocoaError(.executableLoad) }
        return result.standardOutput
    }
}

/// A minimal HTTP/1.1 client on a POSIX socket, so tests control exactly what is sent.
enum HTTPProbe {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func send(
        port: UInt16, method: String, path: String, body: Data?, headers: [String: String] = [:], host: String = "127.0.0.1"
    ) throws -> (status: Int, body: Data) {
        let socket = try LoopbackSocket(port: port, timeoutSeconds: 60)
        var request = Data("\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n".utf8)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request.append(Data("\(name): \(value)\r\n".utf8)) }
        if let body { request.append(Data("Content-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\n".utf8)) }
        request.append(Data("\r\n".utf8))
        if let body { request.append(body) }
        // A server may answer (413) and close before the whole body is sent; that is fine.
        socket.send(request)
        var response = Data()
        while true {
            let chunk = socket.receive()
            if chunk.isEmpty { break }
            response.append(chunk)
            if let (status, body) = parse(response) { return (status, body) }
        }
        guard let (status, body) = parse(response, complete: true) else {
            throw Failure(description: "no HTTP response to \(method) \(path)")
        }
        return (status, body)
    }

    /// Status and body once the response (by Content-Length) is complete.
    static func parse(_ data: Data, complete: Bool = false) -> (Int, Data)? {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        let body = data[end.upperBound...]
        let length = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
        if let length { return body.count >= length ? (status, Data(body.prefix(length))) : (complete ? (status, Data(body)) : nil) }
        return complete ? (status, Data(body)) : nil
    }
}
