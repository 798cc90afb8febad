import ArgumentParser

/// Comma-separated option values, parsed strictly: every part must be a number, or the option is refused.
enum ListParsing {
    /// The numbers of `text` ("1,1,0.3,0.2"); an error naming `option` if any part is not a number.
    static func numbers(_ text: String, option: String) throws -> [Float] {
        try parts(text, option: option, kind: "numbers") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
    }

    /// The positive whole numbers of `text` ("1024,512"); the empty string is the empty list.
    static func widths(_ text: String, option: String) throws -> [Int] {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        return try parts(text, option: option, kind: "positive whole numbers") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
    }

    private static func parts<T>(_ text: String, option: String, kind: String, _ parse: (String) -> T?) throws -> [T] {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var values: [T] = []
        for piece in pieces {
            guard let value = parse(piece) else {
                throw ValidationError("\(option) takes comma-separated \(kind); '\(piece)' in '\(text)' is not one")
            }
            values.append(value)
        }
        return values
    }
}
