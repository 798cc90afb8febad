import Foundation
import Numerics
import SafeFiles

/// One HTTP request as the handler sees it: fully read, within the server's limits.
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path, percent-decoded (`/api/items/a b.jpg`).
    public var path: String
    /// The query parameters, decoded (`+` is a space); the first of repeated names wins.
    public var query: [String: String]
    /// Header values by lower-cased name.
    public var headers: [String: String]
    /// The body (empty without one).
    public var body: Data
    /// When the request must be answered; work checks it between its steps.
    public var deadline: Deadline

    /// Creates a request (for tests and the server).
    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data(), deadline: Deadline = .never) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.deadline = deadline
    }
}

/// One HTTP response.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Headers besides Content-Length and Connection, which the server writes.
    public var headers: [(String, String)]
    /// The body, when it is held in memory.
    public var body: Data
    /// The body, when it is a file sent from disk in pieces (then ``body`` is empty): answering it holds no
    /// copy of the file, however slowly the client reads.
    public var file: OpenedFile?
    /// The part of ``file`` to send (checked to lie within it); nil sends the whole file.
    public var fileRange: Range<Int>?
    /// Close the connection after this response (after an error that left a body unread, say).
    public var closeConnection = false

    /// Creates a response.
    public init(status: Int, headers: [(String, String)] = [], body: Data = Data(), file: OpenedFile? = nil, closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file
        self.closeConnection = closeConnection
    }

    /// The body's length on the wire.
    var contentLength: Int { fileRange?.count ?? file?.size ?? body.count }

    /// The bytes written from memory: status line, headers, blank line, and the in-memory body unless `head`
    /// (a file body follows from disk).
    func serialized(head: Bool, keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(contentLength)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Array(text.utf8) + (head ? [] : [UInt8](body))
    }

    /// The reason phrase of a status code.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 201: "Created"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 409: "Conflict"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 421: "Misdirected Request"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }

    /// A JSON error answer, `{"error": {"status": …, "message": …}}`.
    public static func error(_ status: Int, _ message: String, headers: [(String, String)] = [], close: Bool = false) -> HTTPResponse {
        struct Body: Encodable {
            struct Detail: Encodable {
                var status: Int
                var message: String
            }
            var error: Detail
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(Body(error: .init(status: status, message: message)))) ?? Data()
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body, closeConnection: close)
    }
}
