import Evaluation
import TextModels

/// What `evaluate --json` prints and `report` shows: the run, the split and every metric.
public struct EvaluationSummary: Codable, Sendable {
    /// The run folder as given.
    public var run: String
    /// The split evaluated.
    public var split: String
    /// Both directions' metrics.
    public var retrieval: RetrievalReport
    /// Overlap with Doc2Vec neighbourhoods, when the run has a Doc2Vec model and it was asked for.
    public var neighborhoodPreservation: PreservationReport?
    /// How spread out the split's images and texts are in the (image→text) joint space; near 0 means collapse.
    public var spread: JointSpaceSpread?

    /// Creates a summary from its parts.
    public init(
        run: String, split: String, retrieval: RetrievalReport, neighborhoodPreservation: PreservationReport?,
        spread: JointSpaceSpread?
    ) {
        self.run = run
        self.split = split
        self.retrieval = retrieval
        self.neighborhoodPreservation = neighborhoodPreservation
        self.spread = spread
    }

    /// Evaluates an embedded split: exact retrieval metrics, and neighbourhood preservation@`preservationK`
    /// unless it is nil.
    public static func evaluate(
        _ embedded: EmbeddedSplit, run: String, k: Int = 10, folds: Int = 1, preservationK: Int? = 10,
        memoryBudget: Int = RelevanceRanking.defaultMemoryBudget, reference: Doc2VecModel? = nil, observer: PipelineObserver = .silent
    ) throws -> EvaluationSummary {
        EvaluationSummary(
            run: run, split: embedded.split, retrieval: try embedded.report(k: k, folds: folds, memoryBudget: memoryBudget),
            neighborhoodPreservation: try preservationK.flatMap { try embedded.preservation(k: $0, reference: reference, observer: observer) },
            spread: embedded.spread)
    }
}
