import Evaluation
import Numerics
import Testing

@Suite struct RelevanceRankingTests {
    @Test func tiesKeepGalleryOrder() throws {
        // Scores of the one query: 0.5, 1, 0.5, 1.
        let query = try Matrix([[1, 0]])
        let gallery = try Matrix([[0.5, 0], [1, 0], [0.5, 0], [1, 0]])
        func rank(_ relevant: [Int]) throws -> [Int] {
            try RelevanceRanking.ranks(queries: query, gallery: gallery, relevant: [relevant])[0]
        }
        #expect(try rank([1]) == [0])
        #expect(try rank([3]) == [1])  // tied with item 1, which comes first
        #expect(try rank([0]) == [2])
        #expect(try rank([2]) == [3])  // two higher, one tied before it
        #expect(try rank([3, 1]) == [0, 1])  // several relevant items: positions in the one ranking, ascending
    }

    @Test func blocksGiveTheSameRanksAsAStableSort() throws {
        var generator = SeededGenerator(seed: 7)
        var gallery = Matrix(rows: 97, columns: 8)
        for i in gallery.values.indices { gallery.values[i] = Float(generator.int(below: 5)) - 2 }  // many exact ties
        var queries = Matrix(rows: 23, columns: 8)
        for i in queries.values.indices { queries.values[i] = Float(generator.int(below: 3)) - 1 }
        let relevant = (0..<23).map { _ in (0..<3).map { _ in generator.int(below: 97) } }.map { Array(Set($0)) }
        let oneRowAtATime = try RelevanceRanking.ranks(queries: queries, gallery: gallery, relevant: relevant, memoryBudget: 1)
        let wholeBlock = try RelevanceRanking.ranks(queries: queries, gallery: gallery, relevant: relevant)
        #expect(oneRowAtATime == wholeBlock)
        for q in 0..<23 {
            let scores = (0..<97).map { j in (0..<8).reduce(Float(0)) { $0 + queries[q, $1] * gallery[j, $1] } }
            // A stable sort by descending score: ties in gallery order.
            let order = (0..<97).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            let expected = relevant[q].map { item in order.firstIndex(of: item)! }.sorted()
            #expect(wholeBlock[q] == expected, "query \(q)")
        }
    }

    @Test func badInputsAreRefused() throws {
        let a = try Matrix([[1, 0]])
        #expect(throws: EvaluationError.self) { try RelevanceRanking.ranks(queries: a, gallery: try Matrix([[1, 0, 0]]), relevant: [[0]]) }
        #expect(throws: EvaluationError.self) { try RelevanceRanking.ranks(queries: a, gallery: a, relevant: [[1]]) }
        #expect(throws: EvaluationError.self) { try RelevanceRanking.ranks(queries: a, gallery: a, relevant: []) }
    }
}

@Suite struct JointRanksTests {
    /// One GEMM for both directions gives the ranks two separate rankings give, exact ties included.
    static func compare(images: Matrix, texts: Matrix, captionImage: [Int], budget: Int) throws {
        var captionsOf = [[Int]](repeating: [], count: images.rows)
        for (c, j) in captionImage.enumerated() { captionsOf[j].append(c) }
        let joint = try RelevanceRanking.jointRanks(images: images, texts: texts, captionImage: captionImage, memoryBudget: budget)
        let imageRanks = try RelevanceRanking.ranks(queries: images, gallery: texts, relevant: captionsOf)
        let textRanks = try RelevanceRanking.ranks(queries: texts, gallery: images, relevant: captionImage.map { [$0] })
        #expect(joint.imageRanks == imageRanks)
        #expect(joint.textRanks == textRanks)
    }

    @Test func manyExactTies() throws {
        var generator = SeededGenerator(seed: 9)
        var images = Matrix(rows: 41, columns: 6), texts = Matrix(rows: 120, columns: 6)
        for i in images.values.indices { images.values[i] = Float(generator.int(below: 3)) - 1 }
        for i in texts.values.indices { texts.values[i] = Float(generator.int(below: 3)) - 1 }
        // Uneven caption counts, an image without captions, and duplicated captions.
        let captionImage = (0..<120).map { $0 < 100 ? $0 % 40 : ($0 * 7) % 40 }
        for c in 110..<120 { for k in 0..<6 { texts[c, k] = texts[c - 10, k] } }
        for budget in [1, 4 * 41 * 7, 1 << 20] { try Self.compare(images: images, texts: texts, captionImage: captionImage, budget: budget) }
    }

    @Test func realValuedScoresWithNearTies() throws {
        var generator = SeededGenerator(seed: 10)
        var images = Matrix(rows: 300, columns: 64), texts = Matrix(rows: 1500, columns: 64)
        for i in images.values.indices { images.values[i] = generator.normal() }
        _ = images.normalizeRows()
        let captionImage = (0..<1500).map { $0 / 5 }
        for c in 0..<1500 { for k in 0..<64 { texts[c, k] = images[captionImage[c], k] + 0.3 * generator.normal() } }
        _ = texts.normalizeRows()
        for budget in [300 * 4 * 37, 1 << 24] { try Self.compare(images: images, texts: texts, captionImage: captionImage, budget: budget) }
    }

    /// Captions unrelated to their images (an untrained model): most scores reach the bands, so rows are
    /// counted in whole-row passes rather than score by score.
    @Test func unrelatedCaptionsTakeTheDensePath() throws {
        var generator = SeededGenerator(seed: 11)
        var images = Matrix(rows: 257, columns: 32), texts = Matrix(rows: 1285, columns: 32)
        for i in images.values.indices { images.values[i] = generator.normal() }
        for i in texts.values.indices { texts.values[i] = generator.normal() }
        let captionImage = (0..<1285).map { $0 % 257 }
        for budget in [257 * 4 * 64, 1 << 24] { try Self.compare(images: images, texts: texts, captionImage: captionImage, budget: budget) }
    }
}
