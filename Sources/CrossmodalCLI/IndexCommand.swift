import ArgumentParser

/// `crossmodal index …`: build a searchable gallery.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build a searchable gallery from a trained run, and add or remove its photos.",
        subcommands: [IndexBuildCommand.self, IndexAddCommand.self, IndexRemoveCommand.self, IndexMergeCommand.self, IndexCompactCommand.self, IndexDuplicatesCommand.self]
    )
}
