import Foundation

/// Runs the built `crossmodal` executable, as a user would from a shell.
enum CommandRunner {
    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// The executable beside the test bundle, where the package manager builds it.
    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["CROSSMODAL_BIN"] {
            return URL(fileURLWithPath: override)
        }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the runner is <build>/crossmodalPackageTests.xctest; on macOS it sits inside a bundle.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("crossmodal").path),
            folder.pathComponents.count > 1
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("crossmodal")
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }

    /// The shared Flickr8k folder beside the checkout, if present.
    static var sharedFlickr8k: URL? {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { folder.deleteLastPathComponent() }
        let shared = folder.appendingPathComponent("shared/flickr8k")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }
}
