import Neighbors
import Numerics

/// How well a learned space keeps a reference space's neighbourhoods (the first work's aim: texts that
/// Doc2Vec finds close should stay close, and so should their images).
public enum NeighborhoodPreservation {
    /// The mean over items of |A_i ∩ B_i| / k, where A_i and B_i are the first k entries of each list.
    ///
    /// - Complexity: O(n · k).
    public static func overlap(_ a: [[Int]], _ b: [[Int]], k: Int) -> Double {
        guard k > 0, !a.isEmpty else { return 0 }
        var total = 0.0
        for (x, y) in zip(a, b) {
            let reference = Set(x.prefix(k))
            total += Double(y.prefix(k).filter(reference.contains).count) / Double(k)
        }
        return total / Double(min(a.count, b.count))
    }

    /// The overlap of every row's k nearest other rows (cosine) in `learned` and in `reference`.
    ///
    /// Both sets of neighbours come from ``ExactNeighbors`` (exact duplicates of a row are left out).
    /// - Complexity: O(n² · (d₁ + d₂)) in GEMM.
    public static func overlap(learned: Matrix, reference: Matrix, k: Int) throws(EvaluationError) -> Double {
        guard learned.rows == reference.rows else {
            throw EvaluationError("\(learned.rows) learned rows against \(reference.rows) reference rows")
        }
        guard learned.rows > 1 else { return 0 }
        do {
            let a = try ExactNeighbors.search(reference, k: k, metric: .cosine)
            let b = try ExactNeighbors.search(learned, k: k, metric: .cosine)
            let effective = min(a.k, b.k)
            return overlap(lists(a), lists(b), k: effective)
        } catch {
            throw EvaluationError(error.message)
        }
    }

    /// Each row's neighbour indices.
    static func lists(_ table: NeighborTable) -> [[Int]] {
        (0..<table.count).map { item in table.neighbors(of: item).map(\.index) }
    }

    /// The overlap two unrelated random rankings of `items` have on average at `k`: k / (items − 1).
    public static func chance(items: Int, k: Int) -> Double {
        items > 1 ? Double(min(k, items - 1)) / Double(items - 1) : 0
    }

    /// Means of groups of rows (such as an image's captions), L2-normalised: `groups[r]` is row r's group.
    ///
    /// - Complexity: O(rows · d).
    public static func groupMeans(_ rows: Matrix, groups: [Int], count: Int) -> Matrix {
        var means = Matrix(rows: count, columns: rows.columns)
        for (row, group) in groups.enumerated() where group >= 0 && group < count {
            for column in 0..<rows.columns { means[group, column] += rows[row, column] }
        }
        return means.rowNormalized()
    }
}

/// Neighbourhood preservation of a run on one split.
public struct PreservationReport: Codable, Equatable, Sendable {
    /// Neighbours compared per item.
    public var k: Int
    /// Caption neighbourhoods: learned text space against Doc2Vec.
    public var text: Double
    /// Image neighbourhoods: learned image space against the Doc2Vec mean of each image's captions.
    public var image: Double
    /// The same overlap for the sentence features the text tower starts from (nil for a GRU over tokens).
    public var textInputFeatures: Double?
    /// Image encoder features against the Doc2Vec image means.
    public var imageInputFeatures: Double
    /// What random neighbourhoods would score on the captions.
    public var textChance: Double
    /// What random neighbourhoods would score on the images.
    public var imageChance: Double

    /// Creates a report from its numbers.
    public init(
        k: Int, text: Double, image: Double, textInputFeatures: Double?, imageInputFeatures: Double, textChance: Double,
        imageChance: Double
    ) {
        self.k = k
        self.text = text
        self.image = image
        self.textInputFeatures = textInputFeatures
        self.imageInputFeatures = imageInputFeatures
        self.textChance = textChance
        self.imageChance = imageChance
    }
}
