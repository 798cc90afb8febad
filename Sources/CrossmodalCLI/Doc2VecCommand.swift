import ArgumentParser

/// `crossmodal doc2vec …`: train Doc2Vec on a split's texts and infer vectors for new texts.
struct Doc2VecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc2vec",
        abstract: "Train Doc2Vec on a split's captions, or infer a vector for a new text.",
        subcommands: [Doc2VecTrainCommand.self, Doc2VecInferCommand.self]
    )
}
