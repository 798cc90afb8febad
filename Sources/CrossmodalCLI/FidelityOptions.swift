import ArgumentParser
import Neighbors
import Pipeline
import Training

/// The elements where the two works' code and our tuned presets differ, each one flag away
/// (`docs/fidelity.md`); every option left out keeps the preset's value.
struct FidelityOptions: ParsableArguments {
    @Option(help: "Negatives: in-batch (ours), random-texts (the first work's), one-random (the second work's).")
    var negatives: NegativeSampling?
    @Option(help: "Pairs an epoch visits: every-caption, or one-caption-per-image (the second work's).") var epochPairs: EpochPairs?
    @Option(help: "A StepLR schedule as epochs,factor (the second work: 8,0.1), or none.") var lrStep: String?
    @Option(help: "Keep the best epoch or the last.") var keep: CheckpointChoice?
    @Option(help: "Linear layers start as pytorch, or xavier with bias 0.1 (the first work's).") var initialization: LinearInitialization?
    @Option(help: "Tokens a GRU reads per text: a number, or all (the first work's).") var maxTokens: String?
    @Flag(inversion: .prefixedNo, help: "Frame each text with START and END tokens for a GRU (the first work's).") var startEnd: Bool?
    @Option(help: "Neighbours over trained or inferred (the first work's) Doc2Vec vectors.") var neighborVectors: NeighborSource.Vectors?
    @Option(help: "Neighbours by cosine or l2 (the first work's) distance.") var neighborMetric: NeighborMetric?
    @Option(help: "Neighbours found exactly or through hnsw (the first work's).") var neighborSearch: NeighborSource.Search?
    @Option(help: "Neighbours found per caption (the first work: 200).") var neighborK: Int?
    @Option(help: "Validation loss: proxy (ours: both cross-modal terms, in-batch negatives) or first-work (image→text against random validation texts).")
    var validationLoss: ValidationLoss?

    /// These options as changes to a recipe (`TrainCommand`'s table takes them after its own).
    func patches() throws -> [TrainCommand.Patch] {
        var table: [TrainCommand.Patch?] = [
            negatives.map { value in { $0.training.negatives = value } }, epochPairs.map { value in { $0.training.epochPairs = value } },
            keep.map { value in { $0.training.keep = value } },
            initialization.map { value in { recipe in recipe.training.towers { $0.initialization = value } } },
            validationLoss.map { value in { $0.training.validationLoss = value } },
        ]
        if let lrStep {
            if lrStep == "none" {
                table.append { $0.training.stepDecay = nil }
            } else {
                let parts = try ListParsing.numbers(lrStep, option: "--lr-step")
                guard parts.count == 2, parts[0] >= 1, parts[0] == parts[0].rounded() else {
                    throw ValidationError("--lr-step takes epochs,factor (e.g. 8,0.1) or none; got '\(lrStep)'")
                }
                let decay = StepDecay(epochs: Int(parts[0]), factor: parts[1])
                table.append { $0.training.stepDecay = decay }
            }
        }
        if maxTokens != nil || startEnd != nil {
            var limit: Int??
            if let maxTokens {
                if maxTokens == "all" {
                    limit = .some(nil)
                } else {
                    guard let count = Int(maxTokens), count >= 1 else { throw ValidationError("--max-tokens takes a positive number or all") }
                    limit = count
                }
            }
            let startEnd = self.startEnd
            table.append { recipe in
                var tokens = recipe.training.tokenSettings
                if let limit { tokens.maxTokens = limit }
                if let startEnd { tokens.startEnd = startEnd }
                recipe.training.tokens = tokens
            }
        }
        if neighborVectors != nil || neighborMetric != nil || neighborSearch != nil || neighborK != nil {
            if let neighborK, neighborK < 1 { throw ValidationError("--neighbor-k must be at least 1") }
            table.append { [self] recipe in recipe.neighborSource = try neighborSource(recipe.neighborSource) }
        }
        return table.compactMap { $0 }
    }

    /// The preset's neighbour source with these options in place.
    func neighborSource(_ preset: NeighborSource) throws -> NeighborSource {
        var source = preset
        if let neighborVectors { source.vectors = neighborVectors }
        if let neighborMetric { source.metric = neighborMetric }
        if let neighborSearch { source.search = neighborSearch }
        if let neighborK {
            guard neighborK >= 1 else { throw ValidationError("--neighbor-k must be at least 1") }
            source.k = neighborK
        }
        return source
    }
}
