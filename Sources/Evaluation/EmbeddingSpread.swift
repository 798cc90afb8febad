import Foundation
import Numerics

/// How spread out a set of embeddings is: a model that has collapsed puts every row at one point.
///
/// For rows `xᵢ` with centroid `c`, the mean norm is `mean ‖xᵢ‖` and the spread `mean ‖xᵢ − c‖`;
/// `relative` is spread over mean norm, 0 for a collapse to one point (including the origin) and
/// about 1 for unit vectors scattered round the sphere. Sums are in `Double`.
public struct EmbeddingSpread: Codable, Equatable, Sendable {
    /// Mean Euclidean norm of the rows.
    public var meanNorm: Double
    /// Mean Euclidean distance of the rows to their centroid.
    public var meanDistanceToCentroid: Double

    /// Spread relative to the mean norm; 0 when every row is the same point.
    public var relative: Double {
        meanNorm > 0 ? meanDistanceToCentroid / meanNorm : 0
    }

    /// Below this relative spread a space is reported as collapsed: its rows sit within 10% of
    /// their norm of one point. Runs that learned measured 0.55–1.0 on Flickr8k, collapsed ones 0.01–0.06.
    public static let collapseThreshold = 0.1

    /// Whether the rows have (nearly) collapsed to one point.
    public var isCollapsed: Bool { relative < Self.collapseThreshold }

    /// Measures the rows of `embeddings`.
    ///
    /// - Complexity: O(n · d) for n rows of width d.
    public init(_ embeddings: Matrix) {
        let n = embeddings.rows
        let d = embeddings.columns
        guard n > 0 else {
            meanNorm = 0
            meanDistanceToCentroid = 0
            return
        }
        var centroid = [Double](repeating: 0, count: d)
        embeddings.values.withUnsafeBufferPointer { x in
            for i in 0..<n {
                for c in 0..<d { centroid[c] += Double(x[i * d + c]) }
            }
        }
        for c in 0..<d { centroid[c] /= Double(n) }
        var norms = 0.0
        var distances = 0.0
        embeddings.values.withUnsafeBufferPointer { x in
            for i in 0..<n {
                var norm = 0.0
                var distance = 0.0
                for c in 0..<d {
                    let v = Double(x[i * d + c])
                    norm += v * v
                    distance += (v - centroid[c]) * (v - centroid[c])
                }
                norms += norm.squareRoot()
                distances += distance.squareRoot()
            }
        }
        meanNorm = norms / Double(n)
        meanDistanceToCentroid = distances / Double(n)
    }
}

/// The spread of a joint space's images and of its texts, and whether the space has collapsed.
public struct JointSpaceSpread: Codable, Equatable, Sendable {
    /// The images' spread.
    public var images: EmbeddingSpread
    /// The texts' spread.
    public var texts: EmbeddingSpread

    /// Measures the image and text rows of one joint space.
    ///
    /// - Complexity: O((images + texts) · d).
    public init(images: Matrix, texts: Matrix) {
        self.images = EmbeddingSpread(images)
        self.texts = EmbeddingSpread(texts)
    }

    /// Whether both the images and the texts have collapsed to (nearly) one point.
    public var isCollapsed: Bool { images.isCollapsed && texts.isCollapsed }

    /// The two relative spreads as `images/texts`, two decimals each (`0.99/1.00`).
    public var relativeText: String { String(format: "%.2f/%.2f", images.relative, texts.relative) }
}
