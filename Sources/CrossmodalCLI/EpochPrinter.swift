import Foundation
import Pipeline
import Training

/// What `train` prints while it runs: a bar over each epoch's pairs, one line per epoch, a warning
/// once if the model collapses, and the best epoch at the end.
final class EpochPrinter {
    private var bar: ProgressBar?
    private var warnedOfCollapse = false
    private let normalized: Bool

    init(normalized: Bool) { self.normalized = normalized }

    func step(done: Int, total: Int) {
        if bar == nil { bar = ProgressBar(total: total, unit: "pairs") }
        bar?.set(done: done, total: total)
    }

    func epoch(_ record: EpochRecord) {
        bar?.finish()
        bar = nil
        let v = record.validation
        let spread = record.spread?.relativeText ?? "-"
        print(String(format: "epoch %3d  loss %.4f  val loss %.4f  i2t R@1/5/10 %.1f/%.1f/%.1f  t2i %.1f/%.1f/%.1f  rsum %.1f%@  spread %@  %.0f pairs/s",
                     record.epoch, record.trainLoss, record.validationLoss, v.imageToText[0], v.imageToText[1], v.imageToText[2],
                     v.textToImage[0], v.textToImage[1], v.textToImage[2], record.rsum, record.best ? " *" : "", spread,
                     record.pairsPerSecond))
        if record.spread?.isCollapsed == true, !warnedOfCollapse {
            warnedOfCollapse = true
            print("warning: the model has collapsed: validation images and texts lie within 10% of their norm of one point "
                + "(relative spread \(spread)), so retrieval is at chance. Hardest-negative losses do this early in training; "
                + "try a loss over all negatives (--loss triplet or vsepp) or a lower --learning-rate"
                + (normalized ? "." : ", with L2-normalised outputs."))
        }
    }

    /// The closing line: the best epoch, or each direction's.
    static func summary(_ outcome: RunTraining.Outcome, folder: String) -> String {
        switch outcome {
        case .joint(let best?):
            return String(format: "best: epoch %d, rsum %.1f; run folder %@", best.epoch, best.rsum, folder)
        case .separate(let a?, let b?):
            let i2t = a.validation.imageToText, t2i = b.validation.textToImage
            let rsum = i2t.reduce(0, +) + t2i.reduce(0, +)
            return String(format: "best: image→text R@1/5/10 %.1f/%.1f/%.1f (epoch %d), text→image %.1f/%.1f/%.1f (epoch %d), rsum %.1f; run folder %@",
                          i2t[0], i2t[1], i2t[2], a.epoch, t2i[0], t2i[1], t2i[2], b.epoch, rsum, folder)
        default:
            return "no epoch ran in this invocation; run folder \(folder)"
        }
    }
}
