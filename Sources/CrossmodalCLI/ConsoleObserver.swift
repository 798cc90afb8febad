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
    private var step: String?

    func begin(unit: String, total: Int) { lock.withLock { bar = ProgressBar(total: total, unit: unit) } }

    func update(done: Int, total: Int) { lock.withLock { bar?.set(done: done, total: total) } }

    /// Progress of work that names its steps as it reports (`index merge`'s copies and graph, a gallery's graph
    /// build): a step other than the current one ends the current bar and starts the next, announced on its
    /// own line first when `announce`.
    func update(step: String, done: Int, total: Int, unit: String, announce: Bool) {
        lock.withLock {
            if step != self.step {
                bar?.finish()
                if announce { warn(step) }
                bar = ProgressBar(total: total, unit: unit)
                self.step = step
            }
            bar?.set(done: done, total: total)
        }
    }

    func end() {
        lock.withLock {
            bar?.finish()
            bar = nil
            step = nil
        }
    }
}

/// Writes a line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
