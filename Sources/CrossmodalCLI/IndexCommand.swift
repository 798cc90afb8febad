import ArgumentParser

/// `crossmodal index …`: build a searchable gallery.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build a searchable gallery from a trained run.",
        subcommands: [IndexBuildCommand.self]
    )
}
