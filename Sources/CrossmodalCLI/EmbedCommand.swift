import ArgumentParser

/// `crossmodal embed …`: turn a dataset split into feature vectors with a pretrained encoder.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed a split's images or captions with a pretrained encoder (writes .npy + .ids.txt).",
        subcommands: [EmbedImagesCommand.self, EmbedTextsCommand.self]
    )
}
