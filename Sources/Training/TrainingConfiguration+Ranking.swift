import Evaluation

extension TrainingConfiguration {
    /// How retrieval ranks in the space this configuration trains: by squared Euclidean distance for the
    /// squared-L2 triplet loss without normalisation (what that loss optimises), else by inner product.
    public var rankingMetric: SimilarityMetric {
        if !normalize, case .tripletSquaredL2 = loss { return .squaredEuclidean }
        return .innerProduct
    }
}
