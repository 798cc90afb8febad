import Foundation

/// Which images a search may return: those whose file lies under a folder, those taken within a span of time, or both.
public struct ImageFilter: Sendable, Equatable {
    /// A folder, absolute or relative to the gallery's photo folder (see ``GalleryIndex/folderPrefix(_:)``).
    public var folder: String?
    /// Taken at or after this time (seconds since 1970, UTC).
    public var takenFrom: Double?
    /// Taken before this time.
    public var takenBefore: Double?

    /// A filter from its parts; nil parts do not filter.
    public init(folder: String? = nil, takenFrom: Double? = nil, takenBefore: Double? = nil) {
        self.folder = folder
        self.takenFrom = takenFrom
        self.takenBefore = takenBefore
    }

    /// No filter.
    public static let none = ImageFilter()

    /// Whether the filter keeps every image.
    public var isEmpty: Bool { folder == nil && takenFrom == nil && takenBefore == nil }

    /// Whether an image's date passes: an image without a date passes only when no date is asked for.
    public func admits(taken: Double?) -> Bool {
        if takenFrom == nil, takenBefore == nil { return true }
        guard let taken else { return false }
        return taken >= (takenFrom ?? -.infinity) && taken < (takenBefore ?? .infinity)
    }

    /// A filter of dates given as text, as the command line and the API take them: `YYYY-MM-DD` (from the start
    /// of that day; `to` through its end) or `YYYY-MM-DDTHH:MM:SS` (that second; `to` includes it), read as UTC
    /// like the photos' EXIF dates.
    ///
    /// - Throws: ``SearchError`` naming a date that is not in either form, or a span that ends before it starts.
    public static func dates(from: String?, to: String?) throws(SearchError) -> (takenFrom: Double?, takenBefore: Double?) {
        let start = try from.map { (text) throws(SearchError) in try time(text).start }
        let end = try to.map { (text) throws(SearchError) in try time(text).end }
        if let start, let end, end <= start {
            throw SearchError("the dates are the wrong way round: \(from ?? "") is not before \(to ?? "")")
        }
        return (start, end)
    }

    /// A time as `YYYY-MM-DDTHH:MM:SS` (UTC), the form ``dates(from:to:)`` reads.
    public static func text(_ seconds: Double) -> String {
        formatter("yyyy-MM-dd'T'HH:mm:ss").string(from: Date(timeIntervalSince1970: seconds))
    }

    /// A strict UTC formatter of `format` (the POSIX locale, so no user setting changes it).
    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.isLenient = false
        formatter.dateFormat = format
        return formatter
    }

    /// The span a date or a time stands for: a day, or one second.
    private static func time(_ text: String) throws(SearchError) -> (start: Double, end: Double) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (format, length, span) in [("yyyy-MM-dd", 10, 86_400.0), ("yyyy-MM-dd'T'HH:mm:ss", 19, 1.0)] where trimmed.utf8.count == length {
            if let date = formatter(format).date(from: trimmed) {
                let start = date.timeIntervalSince1970
                return (start, start + span)
            }
        }
        throw SearchError("\(text.prefix(40)) is not a date: give YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
    }
}
