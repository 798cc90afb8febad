import ArgumentParser

/// `crossmodal dataset …`: look at datasets before using them.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Inspect image–caption datasets, or merge several into one.",
        subcommands: [DatasetInspectCommand.self, DatasetMergeCommand.self]
    )
}
