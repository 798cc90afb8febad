import Foundation

/// Runs another program for a test (python3 with NumPy as an oracle, bash scripts, the built
/// executable) and collects what it wrote; the one copy of the Process plumbing the test targets share.
public struct ProgramRun: Sendable {
    /// The exit status.
    public let status: Int32
    /// Everything written to standard output.
    public let standardOutput: String
    /// Everything written to standard error.
    public let standardError: String

    /// Runs `program` with `arguments` (in `directory` if given) to its end.
    public static func run(_ program: URL, _ arguments: [String], in directory: URL? = nil) throws -> ProgramRun {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Standard error is read on another thread, so a program that fills that pipe cannot stall.
        let errData = DataBox()
        let errorReader = DedicatedThread { errData.data = errors.fileHandleForReading.readDataToEndOfFile() }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        errorReader.wait()
        process.waitUntilExit()
        return ProgramRun(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData.data, as: UTF8.self))
    }

    /// Runs a program found on PATH (`python3`, `bash` …), as `/usr/bin/env` finds it.
    public static func onPath(_ arguments: [String], in directory: URL? = nil) throws -> ProgramRun {
        try run(URL(fileURLWithPath: "/usr/bin/env"), arguments, in: directory)
    }

    /// The checkout the tests belong to.
    public static var repository: URL {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        return folder
    }
}

/// Bytes handed from the reading thread to the waiting one (the group's wait orders the two).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on loopback that no one listens on: the system picks it for a socket bound to port 0,
/// which is closed again (for servers, such as PostgreSQL, that cannot take port 0 themselves).
public func freeLoopbackPort() throws -> Int {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw CocoaError(.featureUnsupported) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw CocoaError(.featureUnsupported) }
    return Int(UInt16(bigEndian: address.sin_port))
    #else
    return 50000 + Int.random(in: 0..<10000)
    #endif
}
