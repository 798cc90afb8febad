import Foundation

/// The request line and headers of one request, parsed strictly from bytes the server has read.
struct HTTPHead {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    /// Whether the client wants the connection kept open afterwards.
    var keepAlive: Bool
    /// The body's length from Content-Length (0 without one).
    var contentLength: Int
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String = "HTTP/1.1"

    /// The host name of the `Host` header, lower-cased and without its port (`[::1]` keeps its brackets);
    /// nil without a Host header, or when it is not one host.
    var hostName: String? {
        guard let value = headers["host"], !value.isEmpty, !value.contains(",") else { return nil }
        let lowered = value.lowercased()
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return nil }
            let rest = lowered[lowered.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else { return nil }
            return String(lowered[...close])
        }
        let parts = lowered.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty, parts.count == 1 || parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
        return String(parts[0])
    }

    /// The most header lines a request may have.
    static let maximumHeaderCount = 100

    /// A request the server refuses, with the status to answer.
    struct Refusal: Error {
        let status: Int
        let message: String
    }

    /// Parses `bytes` (the head without its closing blank line).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Refusal) -> HTTPHead {
        guard let text = String(bytes: bytes, encoding: .utf8) ?? String(bytes: bytes, encoding: .isoLatin1) else {
            throw Refusal(status: 400, message: "the request head is not text")
        }
        var lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, !requestLine[0].isEmpty, requestLine[0].allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw Refusal(status: 400, message: "malformed request line")
        }
        let version = requestLine[2]
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Refusal(status: 505, message: "only HTTP/1.0 and HTTP/1.1 are served")
        }
        guard lines.count <= maximumHeaderCount else { throw Refusal(status: 431, message: "more than \(maximumHeaderCount) header lines") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex, !line.hasPrefix(" "), !line.hasPrefix("\t") else {
                throw Refusal(status: 400, message: "malformed header line")
            }
            let name = line[..<colon].lowercased()
            guard name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { throw Refusal(status: 400, message: "malformed header name") }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length", let earlier = headers[name], earlier != value {
                throw Refusal(status: 400, message: "conflicting Content-Length headers")
            }
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        if headers["transfer-encoding"] != nil {
            throw Refusal(status: 501, message: "chunked request bodies are not accepted; send Content-Length")
        }
        var length = 0
        if let value = headers["content-length"] {
            // Digits only (RFC 9112 §6.3): `Int` would also take "+5" and "-0". Eighteen digits cannot overflow.
            guard (1...18).contains(value.utf8.count), value.utf8.allSatisfy({ (48...57).contains($0) }), let parsed = Int(value) else {
                throw Refusal(status: 400, message: "Content-Length must be a decimal byte count (digits only)")
            }
            length = parsed
        }
        let target = String(requestLine[1])
        guard target.hasPrefix("/") else { throw Refusal(status: 400, message: "the request target must be a path") }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = parts[0].removingPercentEncoding else { throw Refusal(status: 400, message: "bad percent-encoding in the path") }
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let item = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
                guard let name = decode(item[0]), let value = item.count == 2 ? decode(item[1]) : "" else {
                    throw Refusal(status: 400, message: "bad percent-encoding in the query")
                }
                if query[name] == nil { query[name] = value }
            }
        }
        let connection = headers["connection"]?.lowercased() ?? ""
        let keepAlive = version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
        return HTTPHead(
            method: String(requestLine[0]), path: path, query: query, headers: headers, keepAlive: keepAlive, contentLength: length,
            version: String(version))
    }
}

extension Character {
    /// An ASCII digit, 0–9.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
