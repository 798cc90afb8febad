import Foundation
import Pipeline

extension PipelineObserver {
    /// Progress bars and notes on standard error, as the command line shows them.
    static var console: PipelineObserver {
        let bar = ConsoleBar()
        return PipelineObserver(
            begin: { unit, total in bar.begin(unit: unit, total: total) },
            progress: { done, total in bar.update(done: done, total: total) },
            end: { bar.end() },
            note: { warn($0) })
    }
}

/// The one progress bar of a step, driven from any thread.
final class ConsoleBar: @unchecked Sendable {
    private let lock = NSLock()
    private var bar: ProgressBar?

    func begin(unit: String, total: Int) { lock.withLock { bar = ProgressBar(total: total, unit: unit) } }

    func update(done: Int, total: Int) { lock.withLock { bar?.set(done: done, total: total) } }

    func end() {
        lock.withLock {
            bar?.finish()
            bar = nil
        }
    }
}

/// Writes a line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
