import Dispatch
import Foundation
import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// What the server itself allows, before any request reaches the API: the defaults of a well-kept
/// server (nginx, Go's net/http).
public struct ServerLimits: Sendable {
    /// The most connections open at once (lowered to what the file limit allows). A new connection
    /// beyond it replaces the one that has waited longest without sending a whole request.
    public var maxConnections = 4096
    /// Seconds a client has to send a request's head, from its first byte (or from connecting).
    public var headerSeconds = 10.0
    /// Seconds a kept-alive connection may sit idle between requests.
    public var idleSeconds = 5.0
    /// Seconds a client has to send a body once its head is in.
    public var bodySeconds = 30.0
    /// Seconds a client has to read an answer.
    public var writeSeconds = 30.0
    /// The largest request head (request line and headers), in bytes.
    public var maxHeaderBytes = 16 << 10
    /// The largest body, in bytes; a larger Content-Length gets 413 and the connection is closed unread.
    public var maxBodyBytes = 10 << 20
    /// Seconds a request may take from its last byte to its answer; work checks it between steps.
    public var requestSeconds = 15.0
    /// Threads answering requests.
    public var workers = 32
    /// Requests that may wait for a worker; beyond it, 503 at once.
    public var queueCapacity = 256
    /// Request bytes held at once over all connections (heads and bodies being read, bodies being
    /// answered); a read that would pass it gets 503 and the connection is closed. Without it, every
    /// connection sending a maximal body could hold `maxConnections × maxBodyBytes`.
    public var maxBufferedBytes = 256 << 20
    /// The host names a request's `Host` header may give (lower-case, without the port; `[::1]` with its
    /// brackets); others get 421, and an HTTP/1.1 request without one gets 400. nil answers every host.
    /// A page on another site can make a browser send requests to 127.0.0.1 under the site's own name
    /// (DNS rebinding); only the names the server was meant to be reached by are answered.
    public var allowedHosts: Set<String>?

    /// The defaults.
    public init() {}
}

/// A small HTTP/1.1 server on one poll loop: it reads heads and bodies within their limits, hands
/// whole requests to ``RequestWorkers`` and writes their answers, and never stops on a client's
/// behaviour (slow heads, floods of connections, running out of file descriptors).
///
/// Keep-alive and pipelined requests are served in order; chunked request bodies are refused (411/501).
public final class HTTPServer: @unchecked Sendable {
    private let host: String
    private let port: UInt16
    private var limits: ServerLimits
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 0
    private var acceptPausedUntil = 0.0
    private let stopLock = NSLock()
    private var stopRequested = false
    private var wakeDescriptor: Int32 = -1
    private var workers: RequestWorkers?
    private var published = Status(connections: 0, heldBytes: 0)

    /// Open connections and the bytes held for them, as of the loop's last turn (for tests and monitoring).
    public struct Status: Sendable, Equatable {
        /// Connections open.
        public var connections: Int
        /// Request and answer bytes held in memory for them.
        public var heldBytes: Int
    }

    /// The server's state as of the loop's last turn.
    public var status: Status { stopLock.withLock { published } }

    /// Bytes held in connections' inputs, in requests being answered and in answers not yet sent (a file
    /// body is sent from disk and holds none).
    private var bufferedBytes = 0

    /// A server for `handler` on `host:port` (IPv4; port 0 takes a free one).
    public init(host: String, port: UInt16, limits: ServerLimits, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.host = host
        self.port = port
        self.limits = limits
        self.handler = handler
    }

    /// A socket error, naming the call.
    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One client connection and where it is in its request.
    final class Connection {
        enum Phase { case readingHead, readingBody, processing, writing }
        let descriptor: Int32
        let id: UInt64
        var phase = Phase.readingHead
        var input: [UInt8] = []
        var head: HTTPHead?
        var output: [UInt8] = []
        var written = 0
        /// The answer's file body, sent from disk after `output`, and how much of it is sent.
        var file: OpenedFile?
        /// The bytes of ``file`` to send (a member of a tar shard, or the whole file).
        var fileRange = 0..<0
        var fileSent = 0
        /// Body bytes of the request being answered (counted in the server's buffered bytes).
        var inFlightBytes = 0
        var closeAfterWrite = false
        /// When the current phase times out (monotonic seconds).
        var deadline: Double
        /// When the current phase began, to choose whom to drop when full.
        var since: Double

        init(descriptor: Int32, id: UInt64, now: Double, deadline: Double) {
            self.descriptor = descriptor
            self.id = id
            self.since = now
            self.deadline = deadline
        }
    }

    static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Binds, calls `onListening` with the URL (with the port actually bound), and serves until the
    /// process ends. Throws only when the address cannot be bound.
    public func run(onListening: (String) -> Void) throws {
        #if canImport(Glibc)
        signal(SIGPIPE, SIG_IGN)
        // Keep 64 descriptors for files, the database and the wake-up pipe, but never fewer than 8 connections.
        limits.maxConnections = max(8, min(limits.maxConnections, Self.raiseDescriptorLimit() - 64))
        let listener = try bindListener()
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw SocketError(description: "pipe: \(String(cString: strerror(errno)))") }
        for end in pipeEnds { Self.makeNonBlocking(end) }
        let workers = RequestWorkers(threads: limits.workers, capacity: limits.queueCapacity, wakeDescriptor: pipeEnds[1], handler: handler)
        stopLock.withLock { wakeDescriptor = pipeEnds[1] }
        self.workers = workers
        defer {
            workers.shutDown()
            for connection in connections.values { close(connection) }
            Glibc.close(listener)
            stopLock.withLock { wakeDescriptor = -1 }
            Glibc.close(pipeEnds[0])
            Glibc.close(pipeEnds[1])
        }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        onListening("http://\(host):\(UInt16(bigEndian: address.sin_port))/")
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while !stopLock.withLock({ stopRequested }) {
            let now = Self.now
            let order = Array(connections.values)
            var descriptors = [pollfd(fd: listener, events: now >= acceptPausedUntil ? Int16(POLLIN) : 0, revents: 0),
                               pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0)]
            var soonest = now + 1
            if now < acceptPausedUntil { soonest = min(soonest, acceptPausedUntil) }
            for connection in order {
                let events: Int32 = switch connection.phase {
                case .readingHead, .readingBody: Int32(POLLIN)
                case .writing: Int32(POLLOUT)
                case .processing: 0
                }
                descriptors.append(pollfd(fd: connection.descriptor, events: Int16(events), revents: 0))
                if connection.phase != .processing { soonest = min(soonest, connection.deadline) }
            }
            let timeout = Int32(max(0, min(1000, (soonest - now) * 1000 + 1)))
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0, errno != EINTR { continue }
            if descriptors[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 512)
                while Glibc.read(pipeEnds[0], &drain, drain.count) > 0 {}
                for answer in workers.takeCompleted() {
                    guard let connection = connections[answer.id], connection.phase == .processing else { continue }
                    respond(connection, answer.response)
                }
            }
            if descriptors[0].revents != 0 { acceptAll(listener) }
            for (index, connection) in order.enumerated() where connections[connection.id] != nil {
                let events = Int32(descriptors[index + 2].revents)
                if events & Int32(POLLNVAL) != 0 { close(connection); continue }
                switch connection.phase {
                case .readingHead, .readingBody:
                    if events & Int32(POLLIN | POLLHUP | POLLERR) != 0 { read(connection, into: &buffer) }
                case .writing:
                    if events & Int32(POLLOUT | POLLHUP | POLLERR) != 0 { write(connection) }
                case .processing:
                    break
                }
            }
            expire(Self.now)
            let turn = Status(connections: connections.count, heldBytes: bufferedBytes)
            stopLock.withLock { published = turn }
        }
        #else
        throw SocketError(description: "the server runs on Linux")
        #endif
    }

    /// Ends ``run(onListening:)`` (from another thread): it closes every connection and returns.
    public func stop() {
        stopLock.withLock {
            stopRequested = true
            var byte: UInt8 = 1
            if wakeDescriptor >= 0 { _ = Glibc.write(wakeDescriptor, &byte, 1) }
        }
    }

    #if canImport(Glibc)
    /// The soft limit on open files, raised to the hard limit as Go's runtime does.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(min(limit.rlim_cur, 1 << 20))
    }

    /// Non-blocking and closed on exec.
    static func makeNonBlocking(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    private func bindListener() throws -> Int32 {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw SocketError(description: "socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(listener)
            throw SocketError(description: "\(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 4096) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(listener)
            throw SocketError(description: "cannot listen on \(host):\(port): \(reason)")
        }
        return listener
    }

    /// Connections accepted per turn of the loop: a flood of new connections must not keep the loop
    /// from reading the ones it has (which it would then drop, unread, to make room).
    static let acceptsPerTurn = 32

    /// Accepts waiting connections, at most ``acceptsPerTurn``. Out of descriptors, it drops the
    /// connection that has waited longest without sending a whole request and pauses accepting briefly;
    /// no error stops it.
    private func acceptAll(_ listener: Int32) {
        for _ in 0..<Self.acceptsPerTurn {
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: make room and try again shortly.
                    _ = evictOne()
                    acceptPausedUntil = Self.now + 0.05
                    return
                }
            }
            Self.makeNonBlocking(descriptor)
            var on: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            if connections.count >= limits.maxConnections, !evictOne() {
                let busy = HTTPResponse.error(503, "the server has too many connections open; try again shortly", headers: [("Retry-After", "1")])
                let bytes = busy.serialized(head: false, keepAlive: false)
                _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                Glibc.close(descriptor)
                continue
            }
            nextID += 1
            let now = Self.now
            connections[nextID] = Connection(descriptor: descriptor, id: nextID, now: now, deadline: now + limits.headerSeconds)
        }
    }

    /// Closes the connection that has waited longest for its client to send a request head (idle
    /// keep-alives and slow heads alike), else the oldest slow body; false when every connection is
    /// being answered. The newest connections, not yet read, are the last to go.
    private func evictOne() -> Bool {
        func rank(_ c: Connection) -> Int? {
            switch c.phase {
            case .readingHead: 0
            case .readingBody: 1
            case .processing, .writing: nil
            }
        }
        let victim = connections.values.compactMap { c in rank(c).map { (c, $0) } }.min { ($0.1, $0.0.since) < ($1.1, $1.0.since) }
        guard let victim else { return false }
        close(victim.0)
        return true
    }

    private func close(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        bufferedBytes -= connection.input.count + connection.inFlightBytes + connection.output.count
        connection.file = nil
        Glibc.close(connection.descriptor)
    }

    private func read(_ connection: Connection, into buffer: inout [UInt8]) {
        let count = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return close(connection) }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            return close(connection)
        }
        if bufferedBytes + count > limits.maxBufferedBytes {
            return respond(connection, .error(503, "the server holds too much request data; try again shortly", headers: [("Retry-After", "1")], close: true))
        }
        if connection.input.isEmpty, connection.phase == .readingHead, connection.since < Self.now - 0.001 {
            // The first byte of a request on a kept-alive connection: it now has the head's time.
            connection.deadline = Self.now + limits.headerSeconds
        }
        connection.input += buffer[0..<count]
        bufferedBytes += count
        advance(connection)
    }

    /// Moves a connection through its request as far as the bytes read allow.
    private func advance(_ connection: Connection) {
        while true {
            switch connection.phase {
            case .readingHead:
                // Blank lines between requests are allowed (RFC 9112 §2.2).
                while connection.input.starts(with: [13, 10]) {
                    connection.input.removeFirst(2)
                    bufferedBytes -= 2
                }
                guard let end = Self.headEnd(connection.input, within: limits.maxHeaderBytes) else {
                    if connection.input.count > limits.maxHeaderBytes {
                        respond(connection, .error(431, "the request head is over \(limits.maxHeaderBytes) bytes", close: true))
                    }
                    return
                }
                let head: HTTPHead
                do {
                    head = try HTTPHead.parse(connection.input[0..<end])
                } catch {
                    return respond(connection, .error(error.status, error.message, close: true))
                }
                connection.input.removeFirst(end + 4)
                bufferedBytes -= end + 4
                connection.head = head
                if let refusal = hostRefusal(head) { return respond(connection, refusal) }
                if head.contentLength > limits.maxBodyBytes {
                    // Refused from the header, and the unread body must not be read as the next request.
                    return respond(connection, .error(413, "the body has \(head.contentLength) bytes; at most \(limits.maxBodyBytes) are allowed", close: true))
                }
                if head.method == "POST" || head.method == "PUT", head.headers["content-length"] == nil {
                    return respond(connection, .error(411, "send the body with a Content-Length", close: true))
                }
                if head.contentLength > 0 {
                    connection.phase = .readingBody
                    connection.since = Self.now
                    connection.deadline = Self.now + limits.bodySeconds
                    continue
                }
                return dispatch(connection, body: Data())
            case .readingBody:
                guard let head = connection.head, connection.input.count >= head.contentLength else { return }
                let body = Data(connection.input[0..<head.contentLength])
                connection.input.removeFirst(head.contentLength)
                connection.inFlightBytes = head.contentLength  // still counted until answered
                return dispatch(connection, body: body)
            case .processing, .writing:
                return
            }
        }
    }

    /// The answer to a request whose Host the server does not answer for (see ``ServerLimits/allowedHosts``),
    /// or nil. An HTTP/1.0 request may leave Host out.
    private func hostRefusal(_ head: HTTPHead) -> HTTPResponse? {
        guard let allowed = limits.allowedHosts else { return nil }
        guard let name = head.hostName else {
            if head.headers["host"] == nil, head.version == "HTTP/1.0" { return nil }
            return .error(400, "send one Host header naming this server", close: true)
        }
        guard allowed.contains(name) else {
            return .error(
                421, "this server does not answer for the host \(name.prefix(100)); start `crossmodal serve` with --allowed-host \(name.prefix(100)) to allow it",
                close: true)
        }
        return nil
    }

    /// The offset of the blank line ending the head, if it is within `limit` bytes.
    static func headEnd(_ input: [UInt8], within limit: Int) -> Int? {
        let searched = min(input.count, limit + 4)
        guard searched >= 4 else { return nil }
        for i in 0...(searched - 4) where input[i] == 13 && input[i + 1] == 10 && input[i + 2] == 13 && input[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func dispatch(_ connection: Connection, body: Data) {
        guard let head = connection.head, let workers else { return close(connection) }
        connection.phase = .processing
        let request = HTTPRequest(
            method: head.method, path: head.path, query: head.query, headers: head.headers, body: body,
            deadline: .after(seconds: limits.requestSeconds))
        if !workers.submit(connection.id, request) {
            respond(connection, .error(503, "the server is busy; try again shortly", headers: [("Retry-After", "1")]))
        }
    }

    private func respond(_ connection: Connection, _ response: HTTPResponse) {
        bufferedBytes -= connection.inFlightBytes
        connection.inFlightBytes = 0
        var response = response
        let isHead = connection.head?.method == "HEAD"
        // An answer is held until the client reads it: it counts against the same budget as requests.
        let heldBody = isHead ? 0 : response.body.count
        if heldBody > 0, bufferedBytes + heldBody > limits.maxBufferedBytes {
            response = .error(503, "the server holds too much data for slow clients; try again shortly", headers: [("Retry-After", "1")], close: true)
        }
        let keepAlive = (connection.head?.keepAlive ?? false) && !response.closeConnection
        connection.output = response.serialized(head: isHead, keepAlive: keepAlive)
        bufferedBytes += connection.output.count
        connection.file = isHead ? nil : response.file
        connection.fileRange = response.fileRange ?? 0..<(response.file?.size ?? 0)
        connection.fileSent = 0
        connection.written = 0
        connection.closeAfterWrite = !keepAlive
        connection.phase = .writing
        connection.since = Self.now
        connection.deadline = Self.now + limits.writeSeconds
        write(connection)
    }

    /// Sends as much of the answer as the socket takes: the bytes in memory, then the file body straight
    /// from the page cache (`sendfile`), so a client that reads slowly or not at all holds a descriptor and
    /// a few hundred bytes, never a copy of the file. It is closed at the write deadline.
    private func write(_ connection: Connection) {
        while connection.written < connection.output.count {
            let count = connection.output.withUnsafeBytes {
                send(connection.descriptor, $0.baseAddress! + connection.written, $0.count - connection.written, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                return close(connection)
            }
            connection.written += count
        }
        if let file = connection.file {
            let range = connection.fileRange
            while connection.fileSent < range.count {
                var offset = off_t(range.lowerBound + connection.fileSent)
                let count = sendfile(connection.descriptor, file.descriptor, &offset, min(range.count - connection.fileSent, 1 << 20))
                if count < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                    return close(connection)
                }
                // A file that shrank after its length was sent: the answer cannot be completed.
                if count == 0 { return close(connection) }
                connection.fileSent += count
            }
            connection.file = nil
        }
        if connection.closeAfterWrite { return close(connection) }
        bufferedBytes -= connection.output.count
        connection.output = []
        connection.head = nil
        connection.phase = .readingHead
        connection.since = Self.now
        connection.deadline = Self.now + (connection.input.isEmpty ? limits.idleSeconds : limits.headerSeconds)
        // A pipelined request may already be here.
        if !connection.input.isEmpty { advance(connection) }
    }

    /// Ends the phases that ran out of time: an idle or silent connection is closed, a slow head or
    /// body gets 408, an answer nobody reads is dropped.
    private func expire(_ now: Double) {
        for connection in connections.values where connection.phase != .processing && connection.deadline <= now {
            switch connection.phase {
            case .readingHead where connection.input.isEmpty, .writing:
                close(connection)
            case .readingHead, .readingBody:
                respond(connection, .error(408, "the request was not sent in time", close: true))
                if connections[connection.id] != nil, connection.phase == .writing {
                    // One try to say why; a client this slow does not get to hold the connection.
                    close(connection)
                }
            case .processing:
                break
            }
        }
    }
    #endif
}
