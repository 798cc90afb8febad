import Foundation
import Pipeline

/// A progress line on standard error: done/total, rate and time left.
///
/// On a terminal it redraws one line at most ten times a second. Written to a file or a pipe (a log,
/// CI) it prints plain lines instead: one when a quarter of the work is done, if at least
/// ``plainInterval`` seconds have passed since the last, and one at the end, so a log gets at most five
/// lines a step however long it runs.
final class ProgressBar {
    private(set) var total: Int
    let unit: String
    let start = Date()
    private var done = 0
    private var lastDraw = Date.distantPast
    private var lastQuarter = 0
    private var finished = false
    private let interactive: Bool
    private let write: (String) -> Void

    /// Seconds between two plain lines.
    static let plainInterval = 10.0

    /// A bar on standard error; `interactive` and `write` are for tests.
    init(total: Int, unit: String, interactive: Bool = isatty(STDERR_FILENO) == 1, write: ((String) -> Void)? = nil) {
        self.total = total
        self.unit = unit
        self.interactive = interactive
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
        if !interactive { lastDraw = start }
    }

    /// Records `count` more items done.
    func advance(by count: Int) {
        set(done: done + count, total: total)
    }

    /// Records absolute progress, for work whose total is known only once it starts.
    func set(done: Int, total: Int) {
        self.done = done
        self.total = total
        let now = Date()
        if interactive {
            if now.timeIntervalSince(lastDraw) >= 0.1 || done >= total {
                lastDraw = now
                write("\r" + line(now: now) + "\u{1B}[K")
            }
            return
        }
        guard total > 0, done < total else { return }
        let quarter = done * 4 / total
        if quarter > lastQuarter, now.timeIntervalSince(lastDraw) >= Self.plainInterval {
            lastQuarter = quarter
            lastDraw = now
            write(line(now: now) + "\n")
        }
    }

    /// Ends the line on a terminal; prints the final line in a log.
    func finish() {
        guard !finished else { return }
        finished = true
        if interactive {
            write("\n")
        } else if total > 0 {
            write(line(now: Date()) + "\n")
        }
    }

    /// Items per second so far.
    var rate: Double {
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(done) / elapsed : 0
    }

    func line(now: Date) -> String {
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let counts = "\(bar) \(grouped(done))/\(grouped(total)) \(unit)"
        // A bar made after its first item (training's, say) would divide that item by microseconds.
        guard elapsed >= 0.5 || done >= total else { return counts }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        if done >= total { return "\(counts)  \(String(format: "%.1f", rate)) \(unit)/s  in \(formatDuration(elapsed))" }
        let left = rate > 0 ? Double(total - done) / rate : 0
        return "\(counts)  \(String(format: "%.1f", rate)) \(unit)/s  ETA \(formatDuration(left))"
    }
}
