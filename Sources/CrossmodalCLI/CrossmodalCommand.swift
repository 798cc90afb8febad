import ArgumentParser

/// The root `crossmodal` command: one subcommand per stage of the pipeline.
public struct CrossmodalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crossmodal",
        abstract: "Cross-modal retrieval: embed, train, evaluate and serve image–text search.",
        version: "0.1.0",
        subcommands: [DatasetCommand.self, EmbedCommand.self, Doc2VecCommand.self, NeighborsCommand.self, TrainCommand.self, EvaluateCommand.self, CalibrateCommand.self, ExportCommand.self, ReportCommand.self, IndexCommand.self, SearchCommand.self, ServeCommand.self, BenchCommand.self]
    )

    public init() {}
}
