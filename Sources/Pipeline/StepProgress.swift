/// Progress of work that names its steps as it reports them — a gallery's HNSW graph per set, `index merge`'s
/// copies and graphs — passed to an observer as the observer's own steps: a report under a new name ends the
/// current step, says the name as a note and begins the next; a step ends when it reaches its total.
///
/// Reports come from one thread at a time.
public final class StepProgress {
    private let observer: PipelineObserver
    private let unit: String
    private var current: String?

    /// Reports to `observer`, counting `unit` ("rows").
    public init(_ observer: PipelineObserver, unit: String = "rows") {
        self.observer = observer
        self.unit = unit
    }

    /// `done` of `total` items of the step named `step`.
    public func report(_ step: String, _ done: Int, _ total: Int) {
        if current != step {
            finish()
            observer.note(step)
            observer.begin(unit, total)
            current = step
        }
        observer.progress(done, total)
        if done >= total { finish() }
    }

    /// Ends the current step, if any (work that stopped before its total: an error).
    public func finish() {
        guard current != nil else { return }
        observer.end()
        current = nil
    }
}
