import FlyingFox
import FlyingSocks
import Foundation
import Search

/// Runs the search API on a host and port until the process is stopped.
public enum SearchHTTPServer {
    /// Serves `api` on `host:port` (IPv4). `onListening` is called with the URL once connections are accepted.
    public static func run(
        api: SearchAPI, host: String, port: UInt16, requestSeconds: Double, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let address = try sockaddr_in.inet(ip4: host, port: port)
        let server = HTTPServer(address: address, timeout: requestSeconds, logger: .disabled, handler: api)
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        onListening("http://\(host):\(port)/")
        try await task.value
    }
}
