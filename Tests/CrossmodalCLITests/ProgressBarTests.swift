import Foundation
import Testing
@testable import CrossmodalCLI

/// Written to a log rather than a terminal, a bar prints a few plain lines, not one per update.
@Suite struct ProgressBarTests {
    final class Lines: @unchecked Sendable {
        var written: [String] = []
    }

    @Test func aLogGetsOneLineForAShortStep() {
        let lines = Lines()
        let bar = ProgressBar(total: 10_000, unit: "items", interactive: false) { lines.written.append($0) }
        for _ in 0..<10_000 { bar.advance(by: 1) }
        bar.finish()
        bar.finish()
        #expect(lines.written.count == 1)
        #expect(lines.written[0].hasSuffix("\n") && lines.written[0].contains("10,000/10,000 items"))
        #expect(!lines.written[0].contains("\r"))
    }

    @Test func aTerminalRedrawsOneLine() {
        let lines = Lines()
        let bar = ProgressBar(total: 3, unit: "items", interactive: true) { lines.written.append($0) }
        for _ in 0..<3 { bar.advance(by: 1) }
        bar.finish()
        #expect(lines.written.allSatisfy { $0.hasPrefix("\r") || $0 == "\n" })
        #expect(lines.written.last == "\n")
    }
}
