import Numerics

/// The four terms of the objective, in the order their losses are added (and logged in `terms`).
///
/// Each term applies the run's pair loss to anchors from one tower's output and positives from one
/// tower's output: the batch's own rows, or the rows of each caption's drawn neighbour.
enum ObjectiveTerm: Int, CaseIterable {
    /// Images → their captions.
    case imageToText
    /// Captions → their images.
    case textToImage
    /// Images → the images of their captions' neighbours (L_img).
    case image
    /// Captions → their neighbour captions (L_text).
    case text

    static let all = allCases

    /// The term's weight.
    func weight(in weights: ObjectiveWeights) -> Float {
        switch self {
        case .imageToText: weights.imageToText
        case .textToImage: weights.textToImage
        case .image: weights.image
        case .text: weights.text
        }
    }

    /// The tower whose outputs are the anchors.
    var anchors: TowerSide { self == .imageToText || self == .image ? .images : .texts }

    /// The tower whose outputs are the positives.
    var positives: TowerSide { self == .imageToText || self == .text ? .texts : .images }

    /// Whether the positives are the neighbours' rows (after the batch's) rather than the batch's own.
    var positivesAreNeighbors: Bool { self == .image || self == .text }

    /// Whether captions drawn from the whole training set join the negatives (the first work's text negatives).
    var takesExtraNegatives: Bool { self == .imageToText }
}

/// One of the two towers.
enum TowerSide { case images, texts }

/// A value for each tower: the outputs of a step, or their gradients.
struct TowerPair {
    var images: Matrix
    var texts: Matrix

    subscript(side: TowerSide) -> Matrix {
        switch side {
        case .images: images
        case .texts: texts
        }
    }

    /// Adds `weight · part` into rows `row…` of one side's matrix.
    mutating func add(_ part: Matrix, to side: TowerSide, row: Int, weight: Float) {
        let offset = row * part.columns
        switch side {
        case .images: for i in 0..<part.values.count { images.values[offset + i] += weight * part.values[i] }
        case .texts: for i in 0..<part.values.count { texts.values[offset + i] += weight * part.values[i] }
        }
    }
}
