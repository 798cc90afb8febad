import Foundation
import TestSupport
import Testing

/// Runs the built `crossmodal` executable, as a user would from a shell.
enum CommandRunner {
    typealias Result = ProgramRun

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
        try ProgramRun.run(executable, arguments)
    }

    /// Runs a command that must fail, and expects its standard error to contain `message`.
    @discardableResult
    static func expectFailure(
        _ arguments: [String], saying message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Result {
        let result = try run(arguments)
        #expect(result.status != 0, "\(arguments) succeeded", sourceLocation: sourceLocation)
        #expect(result.standardError.contains(message), "\(result.standardError)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs any program found on PATH (python3, bash …) from the repository root.
    static func runProgram(_ arguments: [String]) throws -> Result {
        try ProgramRun.onPath(arguments, in: repository)
    }

    /// The checkout this test file belongs to.
    static var repository: URL { ProgramRun.repository }

    /// The shared Flickr8k folder beside the checkout, if present.
    static var sharedFlickr8k: URL? {
        let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/flickr8k")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }
}
