import Evaluation

extension TrainingConfiguration {
    /// How retrieval ranks in the space this configuration trains: by squared Euclidean distance for the
    /// squared-L2 triplet losses without normalisation (what that loss optimises), else by inner product.
    public var rankingMetric: SimilarityMetric {
        guard !normalize else { return .innerProduct }
        switch loss {
        case .tripletSquaredL2, .hardestTripletSquaredL2: return .squaredEuclidean
        default: return .innerProduct
        }
    }
}
