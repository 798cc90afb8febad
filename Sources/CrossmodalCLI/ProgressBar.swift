import Foundation

/// A progress line on standard error: done/total, rate and time left.
///
/// On a terminal it redraws one line at most ten times a second; otherwise (a log, CI) it prints a
/// line at every tenth of the work, so logs stay short.
final class ProgressBar {
    private(set) var total: Int
    let unit: String
    let start = Date()
    private var done = 0
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let interactive = isatty(STDERR_FILENO) == 1

    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
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
                FileHandle.standardError.write(Data(("\r" + line(now: now) + "\u{1B}[K").utf8))
            }
        } else {
            let decile = total > 0 ? done * 10 / total : 10
            if decile > lastDecile {
                lastDecile = decile
                FileHandle.standardError.write(Data((line(now: now) + "\n").utf8))
            }
        }
    }

    /// Ends the line on a terminal.
    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
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
        let left = rate > 0 ? Double(total - done) / rate : 0
        return "\(counts)  \(String(format: "%.1f", rate)) \(unit)/s  ETA \(formatDuration(left))"
    }
}

/// `75` → `1m15s`; `3.2` → `3.2s`.
func formatDuration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    return whole >= 3600 ? "\(whole / 3600)h\(whole % 3600 / 60)m" : "\(whole / 60)m\(whole % 60)s"
}

/// Lets worker threads drive a progress bar; updates are serialised by a lock.
final class SendableProgress: @unchecked Sendable {
    let bar: ProgressBar
    private let lock = NSLock()
    private var done = 0

    init(_ bar: ProgressBar) { self.bar = bar }

    /// Records absolute progress.
    func update(done: Int, total: Int) {
        lock.withLock { bar.set(done: done, total: total) }
    }

    /// Records `count` more items done, from any thread.
    func advance(by count: Int) {
        lock.withLock {
            done += count
            bar.set(done: done, total: bar.total)
        }
    }
}
