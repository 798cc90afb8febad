import FlyingFox
import FlyingSocks
import Foundation
import Search

#if canImport(Glibc)
import Glibc
#endif

/// Runs the search API on a host and port until the process is stopped.
public enum SearchHTTPServer {
    /// Serves `api` on `host:port` (IPv4; port 0 takes a free one). `onListening` is called with the URL,
    /// with the port actually bound, once connections are accepted.
    public static func run(
        api: SearchAPI, host: String, port: UInt16, requestSeconds: Double, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let address = try sockaddr_in.inet(ip4: host, port: port)
        let server = HTTPServer(address: address, timeout: requestSeconds, logger: .disabled, handler: api)
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        var bound = port
        if case .ip4(_, let actual)? = await server.listeningAddress { bound = actual }
        disableNagle(onListeningPort: bound)
        onListening("http://\(host):\(bound)/")
        try await task.value
    }

    /// Sets TCP_NODELAY on the server's listening socket, which accepted connections inherit on Linux.
    ///
    /// FlyingFox writes a response's header and body with two send calls; with Nagle's algorithm the
    /// body then waits for the client's delayed ACK of the header, about 40 ms per request. FlyingFox
    /// does not expose its socket, so the listening descriptor is found by its port.
    static func disableNagle(onListeningPort port: UInt16) {
        #if canImport(Glibc)
        for descriptor in Int32(3)..<Int32(4096) {
            var listening: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else { continue }
            var address = sockaddr_in()
            var addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &addressLength) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: address.sin_port) == port else { continue }
            var on: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        #endif
    }
}
