import Evaluation
import Numerics
import Testing

@Suite struct DirectionMetricsTests {
    @Test func handComputedRanks() {
        // First relevant ranks (0-based) 0, 3, 12, 1; the last query has a second relevant item at 4.
        let m = DirectionMetrics(ranks: [[0], [3], [12], [1, 4]], k: 10)
        #expect(m.queries == 4)
        #expect(m.recallAt1 == 25)
        #expect(m.recallAt5 == 75)
        #expect(m.recallAt10 == 75)  // rank 13 is beyond 10
        #expect(m.medianRank == 3)  // 1-based 1, 2, 4, 13
        #expect(m.meanRank == 5)
        #expect(abs(m.mapAtK - (1 + 0.25 + 0 + 0.5) / 4) < 1e-12)  // the item beyond k counts 0
        // mAP@R: 1, 0, 0 and, with R = 2, (1/2)/2 for the last (its second item lies beyond R).
        #expect(abs(m.mapAtR - (1 + 0 + 0 + 0.25) / 4) < 1e-12)
    }

    @Test func severalCorrectCaptionsPerImage() {
        let perfect = DirectionMetrics(ranks: [[0, 1, 2, 3, 4]])
        #expect(perfect.mapAtR == 1)
        let mixed = DirectionMetrics(ranks: [[1, 2, 6, 7, 8]])
        #expect(abs(mixed.mapAtR - (1.0 / 2 + 2.0 / 3) / 5) < 1e-12)
        #expect(mixed.recallAt1 == 0 && mixed.recallAt5 == 100)
        #expect(mixed.mapAtK == 0.5)
    }

    @Test func queriesWithoutRelevantItemsAreLeftOut() {
        let m = DirectionMetrics(ranks: [[], [0]])
        #expect(m.queries == 1)
        #expect(m.recallAt1 == 100)
    }

    @Test func smallCutOffOfTheReciprocalRank() {
        let m = DirectionMetrics(ranks: [[0], [2], [5]], k: 3)
        #expect(abs(m.mapAtK - (1 + 1.0 / 3) / 3) < 1e-12)
    }
}

@Suite struct RetrievalReportTests {
    // Images (1,0) and (0,1); captions 0, 1 belong to image 0 and 2, 3 to image 1.
    let images = try! Matrix([[1, 0], [0, 1]])
    let texts = try! Matrix([[1, 0], [0.6, 0.8], [0, 1], [0.8, 0.6]])
    let captionImage = [0, 0, 1, 1]

    @Test func bothDirectionsByHand() throws {
        let report = try RetrievalReport.evaluate(images: images, texts: texts, captionImage: captionImage)
        // Image 0 ranks captions 0 (1.0), 3 (0.8), 1 (0.6), 2: its captions at 0 and 2; image 1 alike.
        #expect(report.imageToText.recallAt1 == 100)
        #expect(report.imageToText.mapAtR == 0.5)
        // Captions 1 and 3 score the other image higher.
        #expect(report.textToImage.recallAt1 == 50)
        #expect(report.textToImage.recallAt5 == 100)
        #expect(report.textToImage.medianRank == 1.5)
        #expect(report.textToImage.meanRank == 1.5)
        #expect(report.textToImage.mapAtK == 0.75)
        #expect(report.rsum == 300 + 250)
    }

    @Test func foldsEvaluateEachPartAlone() throws {
        let report = try RetrievalReport.evaluate(images: images, texts: texts, captionImage: captionImage, folds: 2)
        // Alone, each image has only its own captions: everything is perfect.
        #expect(report.imageToText.mapAtR == 1)
        #expect(report.textToImage.recallAt1 == 100)
        #expect(report.textToImage.queries == 4)
        #expect(throws: EvaluationError.self) {
            try RetrievalReport.evaluate(images: images, texts: texts, captionImage: captionImage, folds: 3)
        }
    }

    @Test func separateSpacesPerDirection() throws {
        // Text→image in a space where every caption matches its image exactly.
        let exact = try Matrix([[1, 0], [1, 0], [0, 1], [0, 1]])
        let report = try RetrievalReport.evaluate(
            imageToText: (images, texts), textToImage: (images, exact), captionImage: captionImage)
        #expect(report.imageToText.mapAtR == 0.5)
        #expect(report.textToImage.recallAt1 == 100)
    }

    @Test func mismatchedInputsAreRefused() {
        #expect(throws: EvaluationError.self) {
            try RetrievalReport.evaluate(images: images, texts: texts, captionImage: [0, 0, 1])
        }
        #expect(throws: EvaluationError.self) {
            try RetrievalReport.evaluate(images: images, texts: texts, captionImage: [0, 0, 1, 2])
        }
    }
}

@Suite struct NeighborhoodPreservationTests {
    @Test func overlapByHand() {
        #expect(abs(NeighborhoodPreservation.overlap([[1, 2, 3], [0, 2, 3]], [[3, 4, 1], [5, 6, 7]], k: 3) - (2.0 / 3) / 2) < 1e-12)
        #expect(NeighborhoodPreservation.chance(items: 11, k: 5) == 0.5)
    }

    @Test func aSpaceKeepsItsOwnNeighbourhoods() throws {
        var generator = SeededGenerator(seed: 3)
        var points = Matrix(rows: 50, columns: 6)
        for i in points.values.indices { points.values[i] = generator.normal() }
        // Scaling rows changes no cosine neighbourhood; an unrelated space shares about chance.
        var scaled = points
        for r in 0..<50 { for c in 0..<6 { scaled[r, c] *= Float(r + 1) } }
        #expect(try NeighborhoodPreservation.overlap(learned: scaled, reference: points, k: 5) == 1)
        var other = Matrix(rows: 50, columns: 6)
        for i in other.values.indices { other.values[i] = generator.normal() }
        #expect(try NeighborhoodPreservation.overlap(learned: other, reference: points, k: 5) < 0.35)
    }
}

@Suite struct SimilarityMetricTests {
    @Test func squaredEuclideanRanksByDistanceNotInnerProduct() throws {
        // The query (1, 0): item 0 = (3, 0) has the larger inner product, item 1 = (1, 0.1) is nearer.
        let query = try Matrix([[1, 0]])
        let gallery = try Matrix([[3, 0], [1, 0.1]])
        #expect(try RelevanceRanking.ranks(queries: query, gallery: gallery, relevant: [[1]])[0] == [1])
        let (q, g) = SimilarityMetric.squaredEuclidean.prepared(queries: query, gallery: gallery)
        #expect(try RelevanceRanking.ranks(queries: q, gallery: g, relevant: [[1]])[0] == [0])
        let report = try RetrievalReport.evaluate(images: query, texts: gallery, captionImage: [0, 0], metric: .squaredEuclidean)
        #expect(report.metric == .squaredEuclidean)
    }
}
