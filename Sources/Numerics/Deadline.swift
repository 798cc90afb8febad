import Dispatch

/// A time after which work should stop, checked by the work itself between its steps (the layers of
/// a network, the blocks of a search), so that a request past its time frees its core.
public struct Deadline: Sendable {
    private let uptimeNanoseconds: UInt64?

    /// No deadline.
    public static let never = Deadline(uptimeNanoseconds: nil)

    private init(uptimeNanoseconds: UInt64?) { self.uptimeNanoseconds = uptimeNanoseconds }

    /// `seconds` from now.
    public static func after(seconds: Double) -> Deadline {
        let now = DispatchTime.now().uptimeNanoseconds
        return Deadline(uptimeNanoseconds: now + UInt64(max(0, min(seconds, 1e9)) * 1e9))
    }

    /// Whether the time has come.
    public var hasPassed: Bool {
        guard let uptimeNanoseconds else { return false }
        return DispatchTime.now().uptimeNanoseconds >= uptimeNanoseconds
    }

    /// Seconds left (0 once passed; `.infinity` for ``never``).
    public var secondsLeft: Double {
        guard let uptimeNanoseconds else { return .infinity }
        let now = DispatchTime.now().uptimeNanoseconds
        return now >= uptimeNanoseconds ? 0 : Double(uptimeNanoseconds - now) / 1e9
    }

    /// Throws ``DeadlineExceeded`` once the time has come.
    public func check() throws(DeadlineExceeded) {
        if hasPassed { throw DeadlineExceeded() }
    }
}

/// Work stopped because its ``Deadline`` passed.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    /// Creates the error.
    public init() {}

    public var description: String { "the work ran past its deadline" }
}
