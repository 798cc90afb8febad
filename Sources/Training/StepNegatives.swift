import Numerics

/// One training step's negatives under a ``NegativeSampling``: the rows it adds to the towers' inputs, and each
/// objective term's loss call over them. The trainer draws them once a step (``draw(_:count:weights:extraTexts:training:imageRows:textRows:generator:)``)
/// and then runs every term the same way (``evaluate(_:loss:anchors:positives:output:anchorGroups:positiveGroups:)``).
struct StepNegatives {
    /// The sampling these rows follow.
    let sampling: NegativeSampling
    /// Rows of the text input holding captions drawn from the whole training set as extra negatives of the
    /// image→text term (in-batch sampling with `--text-negatives`), and the image of each.
    let extraTexts: Range<Int>
    let extraGroups: [Int]
    /// Rows of the text and image inputs drawn by the sampling itself (one per anchor).
    let sampledTexts: Range<Int>
    let sampledImages: Range<Int>

    /// Draws a step's negatives and appends their rows to the towers' inputs, in the order the trainer has
    /// always drawn them (so seeded runs and their checkpoints are unchanged): `extraTexts` training captions
    /// for in-batch sampling, then `count` texts for the samplings that draw them, then `count` images for
    /// ``NegativeSampling/oneRandom``.
    static func draw(
        _ sampling: NegativeSampling, count: Int, extraTexts: Int, training: FeatureSet,
        imageRows: inout [Int], textRows: inout [Int], generator: inout SeededGenerator
    ) -> StepNegatives {
        let extras = sampling == .inBatch ? (0..<extraTexts).map { _ in generator.int(below: training.textFeatures.rows) } : []
        let extraStart = textRows.count
        textRows += extras
        let extraTexts = extraStart..<textRows.count
        var sampledTexts = textRows.count..<textRows.count, sampledImages = imageRows.count..<imageRows.count
        if sampling != .inBatch {
            textRows += (0..<count).map { _ in generator.int(below: training.textFeatures.rows) }
            sampledTexts = sampledTexts.lowerBound..<textRows.count
        }
        if sampling == .oneRandom {
            imageRows += (0..<count).map { _ in generator.int(below: training.imageFeatures.rows) }
            sampledImages = sampledImages.lowerBound..<imageRows.count
        }
        return StepNegatives(
            sampling: sampling, extraTexts: extraTexts, extraGroups: extras.map { training.captionImage[$0] }, sampledTexts: sampledTexts,
            sampledImages: sampledImages)
    }

    /// One term's loss and gradients: for its anchors and positives, and for the negatives that are rows of their
    /// own (sampled rows, or the extra captions), with the tower and first row those belong to.
    ///
    /// - In-batch: the batch's other positives are the negatives (groups keep an image's own captions out), plus
    ///   the extra captions for the image→text term.
    /// - Random texts (the first work): the text terms take the drawn texts, the image terms the batch's images,
    ///   one draw shared by the batch and counted B times.
    /// - One random (the second work): each anchor its own drawn text or image.
    func evaluate(
        _ term: ObjectiveTerm, loss: PairLoss, anchors: Matrix, positives: Matrix, output: TowerPair, anchorGroups: [Int], positiveGroups: [Int]
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: (gradient: Matrix, side: TowerSide, row: Int)?) {
        let count = anchors.rows
        if sampling == .inBatch {
            let extras = term.takesExtraNegatives ? extraTexts : extraTexts.lowerBound..<extraTexts.lowerBound
            let e = try loss.evaluate(
                anchors: anchors, positives: positives, anchorGroups: anchorGroups, positiveGroups: positiveGroups,
                extraNegatives: output.texts.gatherRows(extras), extraGroups: term.takesExtraNegatives ? extraGroups : [])
            return (e.loss, e.anchors, e.positives, extras.isEmpty ? nil : (e.extras, .texts, extras.lowerBound))
        }
        let (rows, shared): (Range<Int>, Float?) = switch (sampling, term.positives) {
        case (.randomTexts, .texts): (sampledTexts, Float(count))
        case (.randomTexts, .images): (0..<count, Float(count))
        case (_, .texts): (sampledTexts, nil)
        case (_, .images): (sampledImages, nil)
        }
        let e = try loss.evaluate(anchors: anchors, positives: positives, negatives: output[term.positives].gatherRows(rows), sharedBy: shared)
        return (e.loss, e.anchors, e.positives, (e.negatives, term.positives, rows.lowerBound))
    }
}
