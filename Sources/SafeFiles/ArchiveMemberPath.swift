/// How a catalogue names an image that is a member of a tar shard: `<shard>#<offset>+<size>/<member name>`, so
/// the server can send the member's bytes straight from the shard without listing it again.
public struct ArchiveMemberPath: Equatable, Sendable, CustomStringConvertible {
    /// The shard's path.
    public var file: String
    /// Byte offset of the member's data in the shard.
    public var offset: Int
    /// The member's size in bytes.
    public var size: Int
    /// The member's name inside the shard.
    public var name: String

    /// Creates a member path.
    public init(file: String, offset: Int, size: Int, name: String) {
        self.file = file
        self.offset = offset
        self.size = size
        self.name = name
    }

    /// `<shard>#<offset>+<size>/<name>`.
    public var description: String { "\(file)#\(offset)+\(size)/\(name)" }

    /// The parts of a path written by ``description``, or nil for any other path (a photo's own file): the part
    /// before `#` must end in `.tar`, and offset and size must be decimal numbers.
    public init?(parsing path: String) {
        guard let hash = path.range(of: ".tar#", options: .caseInsensitive)?.upperBound else { return nil }
        let rest = path[hash...]
        guard let plus = rest.firstIndex(of: "+"), let slash = rest[plus...].firstIndex(of: "/"),
            let offset = Int(rest[..<plus]), let size = Int(rest[rest.index(after: plus)..<slash]), offset >= 0, size >= 0
        else { return nil }
        self.init(file: String(path[..<path.index(before: hash)]), offset: offset, size: size, name: String(rest[rest.index(after: slash)...]))
    }
}
