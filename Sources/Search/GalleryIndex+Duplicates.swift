import Numerics

extension GalleryIndex {
    /// A set of images that look alike: every one within `minSimilarity` of another in the set.
    public struct DuplicateGroup: Codable, Equatable, Sendable {
        /// The images' ids, in gallery order.
        public var ids: [String]
        /// Their files.
        public var paths: [String]
        /// The lowest similarity of a pair that joined the group.
        public var minSimilarity: Float
    }

    /// The most images ``duplicateGroups(minSimilarity:)`` compares (every pair: n² products).
    public static let maxDuplicateScan = 50_000

    /// Groups of near-duplicate images: pairs whose image vectors (as image→image search compares them)
    /// have cosine similarity ≥ `minSimilarity`, joined transitively (single linkage), largest group first.
    ///
    /// - Throws: ``SearchError`` when `minSimilarity` is outside (0, 1] or the gallery holds more than
    ///   ``maxDuplicateScan`` images.
    /// - Complexity: O(n² · d) for n live images of width d, in blocks of 512 rows.
    public func duplicateGroups(minSimilarity: Float) throws(SearchError) -> [DuplicateGroup] {
        guard minSimilarity > 0, minSimilarity <= 1 else { throw SearchError("the minimum similarity must be in (0, 1], not \(minSimilarity)") }
        let images = catalog.images.filter { !$0.removed }
        guard images.count <= Self.maxDuplicateScan else {
            throw SearchError("the gallery holds \(images.count) images; comparing every pair is limited to \(Self.maxDuplicateScan)")
        }
        return try groups(of: images, minSimilarity: minSimilarity)
    }

    /// The near-duplicate groups among some of the gallery's images (a search's results, say), in the order of
    /// `ids`; ids not in the gallery are left out.
    ///
    /// - Complexity: O(n² · d) for n ids.
    public func duplicateGroups(ofImages ids: [String], minSimilarity: Float = defaultDuplicateSimilarity) throws(SearchError) -> [DuplicateGroup] {
        guard minSimilarity > 0, minSimilarity <= 1 else { throw SearchError("the minimum similarity must be in (0, 1], not \(minSimilarity)") }
        guard ids.count <= Self.maxDuplicateScan else { throw SearchError("at most \(Self.maxDuplicateScan) images are compared, not \(ids.count)") }
        let catalog = self.catalog
        return try groups(of: ids.compactMap { catalog.image(id: $0) }, minSimilarity: minSimilarity)
    }

    /// The similarity from which two photos count as near-duplicates by default (`index duplicates`, the page).
    public static let defaultDuplicateSimilarity: Float = 0.95

    private func groups(of images: [GalleryImage], minSimilarity: Float) throws(SearchError) -> [DuplicateGroup] {
        var rows: [Float] = []
        var kept: [GalleryImage] = []
        var width = 0
        for image in images {
            guard let vector = try storedVector(ofImage: image.id), !vector.isEmpty else { continue }
            if width == 0 { width = vector.count }
            guard vector.count == width else { throw SearchError("image \(image.id) has a vector of width \(vector.count), not \(width)") }
            rows += vector
            kept.append(image)
        }
        guard kept.count >= 2 else { return [] }
        let vectors: Matrix
        do {
            vectors = try Matrix(rows: kept.count, columns: width, values: rows).rowNormalized()
        } catch {
            throw SearchError("\(error)")
        }
        // Union–find over the pairs at or above the threshold.
        var parent = Array(kept.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var weakest = [Float](repeating: 1, count: kept.count)
        for start in stride(from: 0, to: kept.count, by: 512) {
            let block = Array(start..<min(kept.count, start + 512))
            let scores: Matrix
            do {
                scores = try Matrix.product(vectors.gatherRows(block), vectors, transposeB: .transposed)
            } catch {
                throw SearchError("\(error)")
            }
            for (r, i) in block.enumerated() {
                for j in (i + 1)..<kept.count where scores[r, j] >= minSimilarity {
                    let (a, b) = (root(i), root(j))
                    guard a != b else { continue }
                    parent[b] = a
                    weakest[a] = min(weakest[a], weakest[b], scores[r, j])
                }
            }
        }
        var members: [Int: [Int]] = [:]
        for i in kept.indices { members[root(i), default: []].append(i) }
        return members.filter { $0.value.count > 1 }
            .map { root, group in DuplicateGroup(ids: group.map { kept[$0].id }, paths: group.map { kept[$0].path }, minSimilarity: weakest[root]) }
            .sorted { ($0.ids.count, $1.ids.first ?? "") > ($1.ids.count, $0.ids.first ?? "") }
    }
}
