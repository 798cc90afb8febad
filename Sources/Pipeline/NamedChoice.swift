/// An enumeration that `config.json` and the command line name by its raw value.
protocol NamedChoice: RawRepresentable<String>, CaseIterable {
    /// What one value is, for errors: "image encoder".
    static var kind: String { get }
}

extension NamedChoice {
    /// Parses a name, or says which names exist.
    init(named name: String) throws(PipelineError) {
        guard let known = Self(rawValue: name) else {
            throw PipelineError("unknown \(Self.kind) \(name.debugDescription); known: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = known
    }
}
