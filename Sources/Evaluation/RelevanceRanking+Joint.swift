import Dispatch
import Foundation
import Numerics

/// A score within the band of doubt around a relevant caption's score, settled after the last block.
private struct NearTie {
    var column: Int32
    var slot: Int32
    var image: Int32
    var score: Float
}

extension RelevanceRanking {
    /// Both directions' ranks in one space from one GEMM: each caption's rank of its image among the
    /// images, and each image's ranks of its captions among the captions, with the ties of a stable sort.
    ///
    /// The scores S = I·Tᵀ (images × captions) are computed once, in blocks of caption columns within
    /// `memoryBudget`, rows in memory order. Text→image counts down each column, where the caption's own
    /// score S(j*, c) is in the same block: exact, eight columns at a time while the rows stream by.
    /// Image→text counts along each row, for every caption c_r of the row's image, the captions scoring
    /// above S(j, c_r) — a value that sits in c_r's block, which may come later. So the rows compare
    /// against t = ⟨I_j, T_c_r⟩ computed apart, with a rigorous bound on how far two summation orders of the
    /// same products can differ: |t − S| ≤ e = 2γ_d·Σ|I_j,k·T_c_r,k|, γ_d = d·u/(1 − d·u), u = 2⁻²⁴ (a
    /// little more for safety). Captions above t + e count, those below t − e do not, and the few in between
    /// are kept and settled at the end against S(j, c_r) itself, so every rank is exactly the one a stable
    /// sort of the GEMM's scores gives: the items scoring higher plus those scoring the same with a lower
    /// index.
    ///
    /// - Parameters:
    ///   - images: image embeddings, one row each.
    ///   - texts: caption embeddings, one row each.
    ///   - captionImage: the image row of each caption.
    /// - Returns: per image the ascending ranks of its captions among all captions; per caption the rank of
    ///   its image among all images.
    /// - Complexity: O(m · n · d) in one GEMM (m captions, n images) plus O(m · n · r) comparisons for
    ///   r captions an image, on all cores; O(memoryBudget + n · r) memory besides the inputs.
    public static func jointRanks(
        images: Matrix, texts: Matrix, captionImage: [Int], memoryBudget: Int = defaultMemoryBudget
    ) throws(EvaluationError) -> (imageRanks: [[Int]], textRanks: [[Int]]) {
        let n = images.rows, m = texts.rows, d = images.columns
        guard texts.columns == d else { throw EvaluationError("images have \(d) columns but the texts \(texts.columns)") }
        guard captionImage.count == m else { throw EvaluationError("\(captionImage.count) caption→image entries for \(m) captions") }
        if let bad = captionImage.first(where: { $0 < 0 || $0 >= n }) {
            throw EvaluationError("a caption points at image \(bad), outside the \(n) images")
        }
        var captionsOf = [[Int]](repeating: [], count: n)
        for (caption, image) in captionImage.enumerated() { captionsOf[image].append(caption) }
        guard n > 0, m > 0 else { return (captionsOf.map { _ in [] }, captionImage.map { _ in [] }) }
        let slots = captionsOf.map(\.count).max() ?? 0

        // Per slot r and image j: the caption, and the band around its score outside which a comparison is sure.
        var slotCaption = [Int32](repeating: -1, count: slots * n)
        var low = [Float](repeating: .infinity, count: slots * n)
        var high = [Float](repeating: .infinity, count: slots * n)
        let gamma = Float(d) * 0x1p-24 / (1 - Float(d) * 0x1p-24)
        for j in 0..<n {
            for (r, caption) in captionsOf[j].enumerated() {
                var dot: Float = 0, magnitude: Float = 0
                for k in 0..<d {
                    let product = texts.values[caption * d + k] * images.values[j * d + k]
                    dot += product
                    magnitude += abs(product)
                }
                let bound = 2.5 * gamma * magnitude + .leastNormalMagnitude
                slotCaption[r * n + j] = Int32(caption)
                low[r * n + j] = dot - bound
                high[r * n + j] = dot + bound
            }
        }
        var textRanks = [[Int]](repeating: [], count: m)
        var ownScore = [Float](repeating: 0, count: m)  // S(j*, c) as the GEMM computed it
        var counts = [Int32](repeating: 0, count: slots * n)
        var undecided: [NearTie] = []
        let imageOfCaption = captionImage.map { Int32($0) }

        // Blocks of caption columns: S_b = I·T_bᵀ, images × block captions, rows contiguous.
        let blockColumns = max(8, min(m, memoryBudget / max(1, n * MemoryLayout<Float>.size)))
        var scores = Matrix(rows: n, columns: min(blockColumns, m))
        for start in stride(from: 0, to: m, by: blockColumns) {
            let width = min(blockColumns, m - start)
            if width != scores.columns { scores = Matrix(rows: n, columns: width) }
            // The GEMM in one stream per core (row ranges of the images, single-threaded BLAS in each), so that
            // no BLAS helper thread is left spinning on a core while the counting below runs.
            let captions = texts.gatherRows(start..<start + width)
            images.values.withUnsafeBufferPointer { a in
                captions.values.withUnsafeBufferPointer { b in
                    scores.values.withUnsafeMutableBufferPointer { c in
                        nonisolated(unsafe) let (a, b, c) = (a, b, c)
                        BLASThreads.with(1) {
                            _ = Parallel.mapChunks(of: n, chunks: Parallel.cores) { rows in
                                BLAS.sgemm(
                                    transposeA: false, transposeB: true, m: rows.count, n: width, k: d,
                                    a: a.baseAddress! + rows.lowerBound * d, lda: d, b: b.baseAddress!, ldb: d,
                                    c: c.baseAddress! + rows.lowerBound * width, ldc: width)
                            }
                        }
                    }
                }
            }
            for c in 0..<width { ownScore[start + c] = scores.values[Int(imageOfCaption[start + c]) * width + c] }
            let block = scores
            let firstThreshold = start
            // Text→image down the columns, exactly: each caption's own score is in its column. Rows stream in
            // order; a task keeps one counter per column of its range.
            let columnRanks: [[Int32]] = block.values.withUnsafeBufferPointer { all in
                ownScore.withUnsafeBufferPointer { own in
                    imageOfCaption.withUnsafeBufferPointer { owner in
                        nonisolated(unsafe) let (all, own, owner) = (all, own, owner)
                        let groups = (width + 7) / 8
                        return Parallel.mapChunks(of: groups, chunks: 2 * Parallel.cores) { range in
                            countColumns(
                                all.baseAddress!, rows: n, columns: width, groups: range,
                                thresholds: own.baseAddress! + firstThreshold, owners: owner.baseAddress! + firstThreshold)
                        }
                    }
                }
            }
            var column = 0
            for part in columnRanks {
                for rank in part {
                    textRanks[start + column] = [Int(rank)]
                    column += 1
                }
            }
            // Image→text along the rows, against each caption's score computed apart, within its band.
            let found: [[NearTie]] = block.values.withUnsafeBufferPointer { all in
                counts.withUnsafeMutableBufferPointer { counts in
                    low.withUnsafeBufferPointer { low in
                        high.withUnsafeBufferPointer { high in
                            nonisolated(unsafe) let (all, counts, low, high) = (all, counts, low, high)
                            return Parallel.mapChunks(of: n, chunks: 4 * Parallel.cores) { range in
                                var undecided: [NearTie] = []
                                for j in range {
                                    let row = all.baseAddress! + j * width
                                    for r in 0..<slots where high[r * n + j] < .infinity {
                                        let (lo, hi) = (low[r * n + j], high[r * n + j])
                                        let above = count(row, 0..<width, hi, orEqual: false)
                                        counts[r * n + j] += Int32(above)
                                        // Rows in the band (rare) are settled after the last block.
                                        guard count(row, 0..<width, lo, orEqual: true) != above else { continue }
                                        for c in 0..<width where row[c] >= lo && !(row[c] > hi) {
                                            undecided.append(NearTie(column: Int32(start + c), slot: Int32(r), image: Int32(j), score: row[c]))
                                        }
                                    }
                                }
                                return undecided
                            }
                        }
                    }
                }
            }
            for list in found { undecided += list }
        }
        // The near ties, against the GEMM's own score of the relevant caption.
        for entry in undecided {
            let (caption, r, j) = (Int(entry.column), Int(entry.slot), Int(entry.image))
            let relevant = Int(slotCaption[r * n + j])
            guard caption != relevant else { continue }
            let target = ownScore[relevant]
            if entry.score > target || (entry.score == target && caption < relevant) { counts[r * n + j] += 1 }
        }
        let imageRanks = (0..<n).map { j in (0..<captionsOf[j].count).map { Int(counts[$0 * n + j]) }.sorted() }
        return (imageRanks, textRanks)
    }

    /// For the columns of `groups` (eight columns each): how many rows score above the column's threshold,
    /// or equal to it with a lower index than the column's owner row. Rows stream in memory order, eight
    /// columns at a time.
    private static func countColumns(
        _ scores: UnsafePointer<Float>, rows: Int, columns: Int, groups: Range<Int>, thresholds: UnsafePointer<Float>,
        owners: UnsafePointer<Int32>
    ) -> [Int32] {
        let first = groups.lowerBound * 8, last = min(columns, groups.upperBound * 8)
        guard first < last else { return [] }
        let whole = (last - first) / 8
        var lanes = [SIMD8<Int32>](repeating: .zero, count: whole)
        var tail = [Int32](repeating: 0, count: (last - first) - whole * 8)
        let t = (0..<whole).map { UnsafeRawPointer(thresholds + first + 8 * $0).loadUnaligned(as: SIMD8<Float>.self) }
        let o = (0..<whole).map { UnsafeRawPointer(owners + first + 8 * $0).loadUnaligned(as: SIMD8<Int32>.self) }
        lanes.withUnsafeMutableBufferPointer { lanes in
            t.withUnsafeBufferPointer { t in
                o.withUnsafeBufferPointer { o in
                    for i in 0..<rows {
                        let row = scores + i * columns + first
                        let index = SIMD8<Int32>(repeating: Int32(i))
                        for g in 0..<whole {
                            let v = UnsafeRawPointer(row + 8 * g).loadUnaligned(as: SIMD8<Float>.self)
                            let hit = (v .> t[g]) .| ((v .== t[g]) .& (index .< o[g]))
                            lanes[g] &-= unsafeBitCast(hit, to: SIMD8<Int32>.self)
                        }
                        for k in 0..<tail.count {
                            let c = whole * 8 + k
                            let (value, threshold) = (row[c], thresholds[first + c])
                            if value > threshold || (value == threshold && Int32(i) < owners[first + c]) { tail[k] += 1 }
                        }
                    }
                }
            }
        }
        return lanes.flatMap { v in (0..<8).map { v[$0] } } + tail
    }
}
