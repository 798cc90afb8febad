import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on 127.0.0.1 with a receive timeout, so tests send exactly the bytes they
/// mean (slow heads, pipelined requests, oversized bodies) and read exactly what comes back.
public final class LoopbackSocket {
    let descriptor: Int32

    /// A connection to `port`; reads give up after `timeoutSeconds`.
    /// `receiveBuffer` bytes sets the socket's receive buffer before connecting (a client that reads slowly).
    public init(port: UInt16, timeoutSeconds: Int = 5, receiveBuffer: Int32? = nil) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard descriptor >= 0, connected == 0 else { throw CocoaError(.fileReadUnknown) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #else
        throw CocoaError(.featureUnsupported)
        #endif
    }

    /// Sends text.
    public func send(_ text: String) { send(Data(text.utf8)) }

    /// Sends bytes, as far as the peer takes them (it may answer and close first).
    public func send(_ data: Data) {
        data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let count = Glibc.send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if count <= 0 { break }
                sent += count
            }
        }
    }

    /// The next bytes (empty when the peer closed or the timeout passed).
    public func receive() -> Data {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? Data(buffer[0..<count]) : Data()
    }

    /// Everything until the peer closes the connection (or the timeout passes).
    public func readToEnd() -> String {
        var all = Data()
        while true {
            let chunk = receive()
            if chunk.isEmpty { break }
            all += chunk
        }
        return String(decoding: all, as: UTF8.self)
    }

    /// What arrives until `count` HTTP status lines are in (or the peer stops).
    public func read(responses count: Int) -> String {
        var all = ""
        while all.components(separatedBy: "HTTP/1.1 ").count - 1 < count {
            let chunk = receive()
            if chunk.isEmpty { break }
            all += String(decoding: chunk, as: UTF8.self)
        }
        return all
    }

    deinit { close(descriptor) }
}
