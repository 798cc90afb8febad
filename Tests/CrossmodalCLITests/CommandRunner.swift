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
        try run(executable, arguments)
    }

    /// Runs any program found on PATH (python3, bash …) from the repository root.
    static func runProgram(_ arguments: [String]) throws -> Result {
        try run(URL(fileURLWithPath: "/usr/bin/env"), arguments, in: repository)
    }

    /// The checkout this test file belongs to.
    static var repository: URL {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        return folder
    }

    private static func run(_ program: URL, _ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
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
        let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/flickr8k")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }
}
