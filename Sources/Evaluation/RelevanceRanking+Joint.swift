import Dispatch
import Foundation
import Numerics

/// A score within the band of doubt around a relevant caption's score, settled after the last block.
struct NearTie {
    var column: Int32
    var slot: Int32
    var image: Int32
    var score: Float
}

extension RelevanceRanking {
    /// Both directions' ranks in one space from one GEMM: each caption's rank of its image among the
    /// images, and each image's ranks of its captions among the captions, with the ties of a stable sort.
    ///
    /// The scores S = I·Tᵀ (images × captions) are computed once. The images are split into one row range
    /// per core, and each core runs on its own from start to end: for each block of caption columns it
    /// computes its rows' scores with single-threaded BLAS and counts them at once, while they are in cache;
    /// its counts of each caption are added at the end. No core waits for another between blocks.
    ///
    /// Counting needs, for a caption c of image j*, its own score S(j*, c) — on another core, or in a later
    /// block. So both directions compare against t = ⟨I_j*, T_c⟩ computed apart, with a rigorous bound on
    /// how far two summation orders of the same products can differ: |t − S| ≤ e = 2γ_d·Σ|I_j*,k·T_c,k|,
    /// γ_d = d·u/(1 − d·u), u = 2⁻²⁴ (a little more for safety). Scores above t + e count, those below
    /// t − e do not, and the few in between are kept and settled at the end against S(j*, c) itself, so
    /// every rank is exactly the one a stable sort of the GEMM's scores gives: the items scoring higher plus
    /// those scoring the same with a lower index.
    ///
    /// Most scores fall below every threshold they meet (a relevant pair scores high), so a row of eight
    /// scores is first compared with the lowest band of the row's captions (or a column group's), and only
    /// groups with a score above it are compared with each band.
    ///
    /// - Parameters:
    ///   - images: image embeddings, one row each.
    ///   - texts: caption embeddings, one row each.
    ///   - captionImage: the image row of each caption.
    /// - Returns: per image the ascending ranks of its captions among all captions; per caption the rank of
    ///   its image among all images.
    /// - Complexity: O(m · n · d) in one GEMM (m captions, n images) plus O(m · n) comparisons when few
    ///   scores reach the bands (O(m · n · r) at worst, r captions an image), on all cores;
    ///   O(memoryBudget + n · r) memory besides the inputs.
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

        // Each caption's band: the interval around its score computed apart outside which a comparison is sure.
        var low = [Float](repeating: .infinity, count: m)
        var high = [Float](repeating: .infinity, count: m)
        let gamma = Float(d) * 0x1p-24 / (1 - Float(d) * 0x1p-24)
        for (caption, j) in captionImage.enumerated() {
            var dot: Float = 0, magnitude: Float = 0
            for k in 0..<d {
                let product = texts.values[caption * d + k] * images.values[j * d + k]
                dot += product
                magnitude += abs(product)
            }
            let bound = 2.5 * gamma * magnitude + .leastNormalMagnitude
            low[caption] = dot - bound
            high[caption] = dot + bound
        }
        let imageOfCaption = captionImage.map { Int32($0) }
        // Per image, its captions padded to `slots` with −1, and the lowest band of the row.
        var slotCaption = [Int32](repeating: -1, count: n * slots)
        var rowFloor = [Float](repeating: .infinity, count: n)
        for j in 0..<n {
            for (r, caption) in captionsOf[j].enumerated() {
                slotCaption[j * slots + r] = Int32(caption)
                rowFloor[j] = min(rowFloor[j], low[caption])
            }
        }

        let streams = max(1, min(Parallel.cores, n))
        let rowRanges = (0..<streams).map { ($0 * n / streams)..<(($0 + 1) * n / streams) }
        let longest = rowRanges.map(\.count).max() ?? 1
        let blockColumns = max(8, min(m, memoryBudget / streams / max(1, longest * MemoryLayout<Float>.size)))
        let parts: [JointStream] = images.values.withUnsafeBufferPointer { imageValues in
            texts.values.withUnsafeBufferPointer { textValues in
                nonisolated(unsafe) let (imageValues, textValues) = (imageValues, textValues)
                let bands = Bands(low: low, high: high, owner: imageOfCaption, slotCaption: slotCaption, slots: slots, rowFloor: rowFloor)
                return BLASThreads.with(1) {
                    Parallel.map(streams) { t in
                        JointStream.run(
                            rows: rowRanges[t], images: imageValues.baseAddress!, texts: textValues.baseAddress!, captions: m, dimension: d,
                            blockColumns: blockColumns, bands: bands)
                    }
                }
            }
        }

        // Merge: counts add up across row ranges; each caption's own score comes from the range holding its image.
        var textCounts = [Int32](repeating: 0, count: m)
        var ownScore = [Float](repeating: 0, count: m)
        var imageCounts = [Int32](repeating: 0, count: n * slots)
        for (t, part) in parts.enumerated() {
            for c in 0..<m { textCounts[c] += part.columnCounts[c] }
            for (caption, score) in part.ownScores { ownScore[Int(caption)] = score }
            let base = rowRanges[t].lowerBound * slots
            for i in part.rowCounts.indices { imageCounts[base + i] += part.rowCounts[i] }
        }
        // The near ties, against the GEMM's own score of the relevant pair.
        for part in parts {
            for tie in part.nearColumnTies {
                let (caption, j) = (Int(tie.column), Int(tie.image))
                let owner = captionImage[caption]
                guard j != owner else { continue }
                let target = ownScore[caption]
                if tie.score > target || (tie.score == target && j < owner) { textCounts[caption] += 1 }
            }
            for tie in part.nearRowTies {
                let (caption, r, j) = (Int(tie.column), Int(tie.slot), Int(tie.image))
                let relevant = Int(slotCaption[j * slots + r])
                guard caption != relevant else { continue }
                let target = ownScore[relevant]
                if tie.score > target || (tie.score == target && caption < relevant) { imageCounts[j * slots + r] += 1 }
            }
        }
        let imageRanks = (0..<n).map { j in (0..<captionsOf[j].count).map { Int(imageCounts[j * slots + $0]) }.sorted() }
        return (imageRanks, textCounts.map { [Int($0)] })
    }

    /// What every stream reads: the captions' bands and owners, and each image's captions.
    struct Bands: @unchecked Sendable {
        let low: [Float], high: [Float], owner: [Int32]
        /// Per image, `slots` caption indices (−1 past its captions).
        let slotCaption: [Int32]
        let slots: Int
        /// Per image, the lowest band of its captions.
        let rowFloor: [Float]
    }

    /// One core's share of ``jointRanks(images:texts:captionImage:memoryBudget:)``: a range of image rows
    /// against every caption.
    struct JointStream {
        /// Per caption, the rows of this range that score surely above its band.
        var columnCounts: [Int32]
        /// Per row of the range and slot, the captions that score surely above the slot caption's band.
        var rowCounts: [Int32]
        /// The GEMM's own score of each caption whose image is in this range.
        var ownScores: [(Int32, Float)] = []
        var nearColumnTies: [NearTie] = []
        var nearRowTies: [NearTie] = []

        static func run(
            rows: Range<Int>, images: UnsafePointer<Float>, texts: UnsafePointer<Float>, captions m: Int, dimension d: Int,
            blockColumns: Int, bands: Bands
        ) -> JointStream {
            let slots = bands.slots
            var columnCountValues = [Int32](repeating: 0, count: m), rowCountValues = [Int32](repeating: 0, count: rows.count * slots)
            var ownScores: [(Int32, Float)] = [], nearColumnTies: [NearTie] = [], nearRowTies: [NearTie] = []
            guard !rows.isEmpty else { return JointStream(columnCounts: columnCountValues, rowCounts: rowCountValues) }
            var buffer = [Float](repeating: 0, count: rows.count * min(blockColumns, m))
            var atLeast = [Int32](repeating: 0, count: min(blockColumns, m))
            buffer.withUnsafeMutableBufferPointer { scores in
                bands.low.withUnsafeBufferPointer { low in
                    bands.high.withUnsafeBufferPointer { high in
                        bands.owner.withUnsafeBufferPointer { owner in
                            bands.slotCaption.withUnsafeBufferPointer { slotCaption in
                                columnCountValues.withUnsafeMutableBufferPointer { columnCounts in
                                    rowCountValues.withUnsafeMutableBufferPointer { rowCounts in
                                        atLeast.withUnsafeMutableBufferPointer { atLeast in
                                            let s = scores.baseAddress!
                                            for start in stride(from: 0, to: m, by: blockColumns) {
                                                let width = min(blockColumns, m - start)
                                                BLAS.sgemm(
                                                    transposeA: false, transposeB: true, m: rows.count, n: width, k: d,
                                                    a: images + rows.lowerBound * d, lda: d, b: texts + start * d, ldb: d, c: s, ldc: width)
                                                for c in start..<(start + width) where rows.contains(Int(owner[c])) {
                                                    ownScores.append((Int32(c), s[(Int(owner[c]) - rows.lowerBound) * width + (c - start)]))
                                                }
                                                // Text→image down the columns.
                                                for k in 0..<width { atLeast[k] = 0 }
                                                countColumns(
                                                    s, rows: rows.count, columns: width, low: low.baseAddress! + start, high: high.baseAddress! + start,
                                                    above: columnCounts.baseAddress! + start, atLeast: atLeast.baseAddress!)
                                                for k in 0..<width {
                                                    let c = start + k
                                                    // The caption's own row is always in its band; anything more is a near tie.
                                                    let own: Int32 = rows.contains(Int(owner[c])) ? 1 : 0
                                                    guard atLeast[k] - columnCounts[c] > own else { continue }
                                                    for i in 0..<rows.count {
                                                        let v = s[i * width + k]
                                                        if v >= low[c] && !(v > high[c]) {
                                                            nearColumnTies.append(NearTie(column: Int32(c), slot: 0, image: Int32(rows.lowerBound + i), score: v))
                                                        }
                                                    }
                                                }
                                                // Image→text along the rows.
                                                for i in 0..<rows.count {
                                                    let j = rows.lowerBound + i
                                                    let floor = bands.rowFloor[j]
                                                    guard floor < .infinity else { continue }
                                                    countRow(
                                                        s + i * width, width: width, floor: floor, captions: slotCaption.baseAddress! + j * slots,
                                                        slots: slots, low: low.baseAddress!, high: high.baseAddress!,
                                                        above: rowCounts.baseAddress! + i * slots
                                                    ) { slot, k, v in
                                                        nearRowTies.append(NearTie(column: Int32(start + k), slot: Int32(slot), image: Int32(j), score: v))
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return JointStream(
                columnCounts: columnCountValues, rowCounts: rowCountValues, ownScores: ownScores, nearColumnTies: nearColumnTies,
                nearRowTies: nearRowTies)
        }
    }

    /// For each column of a block: adds to `above` the rows scoring above the column's band, and to
    /// `atLeast` those scoring at or above its low end. Rows stream in memory order, eight columns at a
    /// time; a group of eight is compared with both ends only when one of its scores reaches the low end.
    private static func countColumns(
        _ scores: UnsafePointer<Float>, rows: Int, columns: Int, low: UnsafePointer<Float>, high: UnsafePointer<Float>,
        above: UnsafeMutablePointer<Int32>, atLeast: UnsafeMutablePointer<Int32>
    ) {
        let whole = columns / 8
        var aboveLanes = [SIMD8<Int32>](repeating: .zero, count: whole)
        var atLeastLanes = [SIMD8<Int32>](repeating: .zero, count: whole)
        let lo = (0..<whole).map { UnsafeRawPointer(low + 8 * $0).loadUnaligned(as: SIMD8<Float>.self) }
        let hi = (0..<whole).map { UnsafeRawPointer(high + 8 * $0).loadUnaligned(as: SIMD8<Float>.self) }
        aboveLanes.withUnsafeMutableBufferPointer { aboveLanes in
            atLeastLanes.withUnsafeMutableBufferPointer { atLeastLanes in
                lo.withUnsafeBufferPointer { lo in
                    hi.withUnsafeBufferPointer { hi in
                        for i in 0..<rows {
                            let row = scores + i * columns
                            for g in 0..<whole {
                                let v = UnsafeRawPointer(row + 8 * g).loadUnaligned(as: SIMD8<Float>.self)
                                let reached = v .>= lo[g]
                                guard any(reached) else { continue }
                                atLeastLanes[g] &-= unsafeBitCast(reached, to: SIMD8<Int32>.self)
                                aboveLanes[g] &-= unsafeBitCast(v .> hi[g], to: SIMD8<Int32>.self)
                            }
                            for c in (whole * 8)..<columns {
                                if row[c] >= low[c] { atLeast[c] += 1 }
                                if row[c] > high[c] { above[c] += 1 }
                            }
                        }
                    }
                }
            }
        }
        for g in 0..<whole {
            for lane in 0..<8 {
                above[8 * g + lane] += aboveLanes[g][lane]
                atLeast[8 * g + lane] += atLeastLanes[g][lane]
            }
        }
    }

    /// For one image's row of a block: adds to `above[r]` the captions scoring above the band of its r-th
    /// caption, and reports the scores inside a band. Groups of eight scores below `floor` (the lowest band
    /// of the row) are skipped after one comparison; a row where more than one score in 16 reaches the floor
    /// is counted in whole-row passes instead.
    private static func countRow(
        _ row: UnsafePointer<Float>, width: Int, floor: Float, captions: UnsafePointer<Int32>, slots: Int,
        low: UnsafePointer<Float>, high: UnsafePointer<Float>, above: UnsafeMutablePointer<Int32>,
        near: (Int, Int, Float) -> Void
    ) {
        // Where many scores reach the floor (an untrained model, random embeddings), whole-row vector passes
        // per caption are cheaper than visiting each score.
        let reaching = count(row, 0..<width, floor, orEqual: true)
        guard reaching > 0 else { return }
        if reaching * 16 > width {
            for r in 0..<slots {
                let caption = Int(captions[r])
                guard caption >= 0 else { break }
                let surely = count(row, 0..<width, high[caption], orEqual: false)
                above[r] += Int32(surely)
                guard count(row, 0..<width, low[caption], orEqual: true) != surely else { continue }
                for k in 0..<width where row[k] >= low[caption] && !(row[k] > high[caption]) { near(r, k, row[k]) }
            }
            return
        }
        let floorLanes = SIMD8<Float>(repeating: floor)
        var k = 0
        func visit(_ k: Int, _ v: Float) {
            for r in 0..<slots {
                let caption = Int(captions[r])
                guard caption >= 0 else { break }
                if v > high[caption] {
                    above[r] += 1
                } else if v >= low[caption] {
                    near(r, k, v)
                }
            }
        }
        while k + 8 <= width {
            let v = UnsafeRawPointer(row + k).loadUnaligned(as: SIMD8<Float>.self)
            if any(v .>= floorLanes) {
                for lane in 0..<8 where v[lane] >= floor { visit(k + lane, v[lane]) }
            }
            k += 8
        }
        while k < width {
            if row[k] >= floor { visit(k, row[k]) }
            k += 1
        }
    }
}
