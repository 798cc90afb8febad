import Foundation
import Numerics

/// Score → the probability that a shown result is the image a text was written for, fitted on a validation split.
///
/// A raw score cannot say "no good match": its scale differs from run to run, and the best score of a
/// query with nothing relevant in the gallery can be as high as another query's true match. The
/// calibration turns the score `s` of a (text, image) result into
///
///     p(s) = σ(a·s + b) = 1 / (1 + exp(−(a·s + b)))
///
/// (Platt scaling), with `a` and `b` fitted by logistic regression on the results a search of the
/// validation split shows: each caption's ``shownResults`` best images over the split's images, labelled 1
/// for the caption's own image and 0 otherwise (a caption whose image ranks lower adds ten zeros: its search
/// showed nothing right). So `p` is
/// the share of such results, at that score, that were the described image — calibrated for what a
/// search shows, not for random pairs (against random pairs nearly every top result looks like a match).
///
/// The label is strict: another photo that fits the text as well (a second dog on grass) counts as a
/// miss, so on collections with many alike photos `p` is low even for good results; it is highest
/// where a text fits one photo. For the cut-off, the default ``minProbability`` therefore comes from
/// the queries, not from the pairs: it is `p` at the score that the best result of ``answeredShare`` of
/// the validation texts reaches (all of them have their image in the gallery), so that share of
/// in-domain texts gets an answer and a text scoring below nearly all of them ("a giraffe" among
/// photos of people and dogs) gets "no good match". The fit is on the run's validation data: on
/// photos unlike them, `p` is an estimate.
///
/// Platt's two parameters keep `p` monotone in the score (rankings never change) and smooth.
///
/// With ``phrases`` (every run trained since they exist, in an inner-product space) the score is first taken
/// relative to the image: `s` above becomes the margin `s(q, g) − r(g)` over the image's baseline against a
/// bank of short phrases (``PhraseBank``), which short queries with nothing relevant in the gallery fail
/// and short queries with a match pass, where their raw scores overlap. The probability is then monotone
/// in the margin, not in the score, so within one answer a lower-ranked result can be the surer one.
public struct MatchCalibration: Codable, Equatable, Sendable {
    /// One bin of a reliability diagram: the pairs whose predicted probability fell in `[lower, upper)`.
    public struct Bin: Codable, Equatable, Sendable {
        /// The bin's edges.
        public var lower: Double
        public var upper: Double
        /// The pairs' total weight in the bin.
        public var weight: Double
        /// Their weighted mean predicted probability.
        public var predicted: Double
        /// Their weighted share of matches.
        public var observed: Double
    }

    /// `"platt"`.
    public var method = "platt"
    /// The score's coefficient `a`.
    public var slope: Double
    /// The offset `b`.
    public var intercept: Double
    /// The probability a result needs to count as a match when a search names none (even odds: 0.5).
    public var minProbability: Double
    /// The split the fit used, and its pairs.
    public var split: String
    public var positives: Int
    public var negatives: Int
    /// The reliability diagram of held-out predictions: each half of the split's images predicted by a fit
    /// on the other half (two-fold cross-fitting), in ``binCount`` equal-width bins.
    public var reliability: [Bin]
    /// The expected calibration error of those predictions: Σ_b (W_b / W) · |predicted_b − observed_b|.
    public var expectedCalibrationError: Double
    /// The phrases of the image baseline (``PhraseBank``), or nil for a calibration of raw scores.
    public var phrases: [String]?
    /// K of the baseline: how many of an image's best phrases it averages.
    public var phraseNeighbors: Int?
    /// The embedded phrases, attached when the run is loaded (not stored: the run's text tower makes them).
    public var phraseBank: PhraseBank?

    /// Whether scores are judged against image baselines (and so need a ``phraseBank``).
    public var usesPhrases: Bool { !(phrases ?? []).isEmpty }

    /// What the calibration's `score` is, for messages: the raw score, or its margin over the image's baseline.
    public var scoreName: String { usesPhrases ? "margin over the image's baseline" : "score" }

    enum CodingKeys: String, CodingKey {
        case method, slope, intercept, minProbability, split, positives, negatives, reliability, expectedCalibrationError, phrases
        case phraseNeighbors
    }

    /// Bins of the reliability diagram and of the expected calibration error.
    public static let binCount = 10

    /// Creates a calibration from its parts (``fit(space:captionImage:split:maxCaptions:seed:)`` makes one from data).
    public init(
        slope: Double, intercept: Double, minProbability: Double, split: String, positives: Int, negatives: Int, reliability: [Bin],
        expectedCalibrationError: Double
    ) {
        (self.slope, self.intercept, self.minProbability, self.split) = (slope, intercept, minProbability, split)
        (self.positives, self.negatives, self.reliability, self.expectedCalibrationError) = (positives, negatives, reliability, expectedCalibrationError)
    }

    /// The probability that a pair with score `score` matches, given the image's `baseline` (0 for a
    /// calibration without phrases).
    public func probability(_ score: Float, baseline: Float = 0) -> Double {
        Self.sigmoid(slope * (Double(score) - Double(baseline)) + intercept)
    }

    /// The score at which the probability is `probability` (the inverse of ``probability(_:)``), or nil when
    /// the slope is zero.
    public func score(atProbability probability: Double) -> Double? {
        guard slope != 0, probability > 0, probability < 1 else { return nil }
        return (log(probability / (1 - probability)) - intercept) / slope
    }

    /// Results per validation caption the fit sees (a search's first page).
    public static let shownResults = 10
    /// The share of validation texts whose best result reaches the default threshold.
    ///
    /// 0.85, chosen on NewsImages + Flickr8k dev with 36 written-down queries (docs/results.md): with 0.9
    /// "a giraffe" sat at the threshold; at 0.85 every query whose five results were all wrong, and none
    /// with a right one, fell below it.
    public static let answeredShare = 0.85

    /// Fits the calibration of `space`'s text→image scores on a split.
    ///
    /// - Parameters:
    ///   - captionImage: each text row's image row.
    ///   - maxCaptions: at most this many captions are used (a seeded random subset beyond).
    /// - Throws: ``EvaluationError`` when the split has fewer than two images or no caption.
    /// - Complexity: O(n · images · d) for n captions and width d (one matrix product, in blocks).
    ///   - phrases: with `bank` (their embeddings), scores are taken relative to each image's baseline.
    public static func fit(
        space: JointSpace, captionImage: [Int], split: String, maxCaptions: Int = 10_000, seed: UInt64 = 1,
        phrases: [String]? = nil, bank: PhraseBank? = nil
    ) throws(EvaluationError) -> MatchCalibration {
        let baselines = try bank?.baselines(space.images)
        let (pairs, best) = try shownPairs(
            space: space, captionImage: captionImage, baselines: baselines, maxCaptions: maxCaptions, seed: seed)
        // Two-fold cross-fitting: the texts of each half of the images are predicted by the fit on the other half.
        var predicted = [Double](repeating: 0, count: pairs.count)
        for fold in 0..<2 {
            let (a, b) = logisticFit(pairs.filter { $0.fold == 1 - fold })
            for (i, pair) in pairs.enumerated() where pair.fold == fold { predicted[i] = sigmoid(a * pair.score + b) }
        }
        let (bins, ece) = reliability(predicted: predicted, labels: pairs.map(\.label), weights: pairs.map(\.weight))
        let (a, b) = logisticFit(pairs)
        let sorted = best.sorted()
        let cut = sorted[min(sorted.count - 1, Int((1 - answeredShare) * Double(sorted.count)))]
        var calibration = MatchCalibration(
            slope: a, intercept: b, minProbability: sigmoid(a * Double(cut) + b), split: split, positives: pairs.filter(\.label).count,
            negatives: pairs.filter { !$0.label }.count, reliability: bins, expectedCalibrationError: ece)
        if let bank, let phrases {
            (calibration.phrases, calibration.phraseNeighbors, calibration.phraseBank) = (phrases, bank.neighbors, bank)
        }
        return calibration
    }

    /// The reliability diagram and expected calibration error of this calibration on another split's
    /// shown results (gathered as ``fit(space:captionImage:split:maxCaptions:seed:)`` gathers them), and the
    /// share of its texts whose best result reaches ``minProbability``.
    public func check(
        space: JointSpace, captionImage: [Int], maxCaptions: Int = 10_000, seed: UInt64 = 1
    ) throws(EvaluationError) -> (bins: [Bin], expectedCalibrationError: Double, answered: Double) {
        if usesPhrases, phraseBank == nil { throw EvaluationError("the calibration's phrases are not embedded; load it with its run") }
        let baselines = usesPhrases ? try phraseBank?.baselines(space.images) : nil
        let (pairs, best) = try Self.shownPairs(
            space: space, captionImage: captionImage, baselines: baselines, maxCaptions: maxCaptions, seed: seed)
        let result = Self.reliability(
            predicted: pairs.map { probability(Float($0.score)) }, labels: pairs.map(\.label), weights: pairs.map(\.weight))
        let answered = Double(best.filter { probability($0) >= minProbability }.count) / Double(max(1, best.count))
        return (result.bins, result.ece, answered)
    }

    /// One scored pair: its score, whether it matches, its weight and the fold of its text.
    struct Pair {
        var score: Double
        var label: Bool
        var weight: Double
        var fold: Int
    }

    /// Each sampled caption's ``shownResults`` best images, labelled, and each caption's best score among
    /// them — scores less the image's baseline when `baselines` are given.
    static func shownPairs(
        space: JointSpace, captionImage: [Int], baselines: [Float]? = nil, maxCaptions: Int, seed: UInt64
    ) throws(EvaluationError) -> (pairs: [Pair], best: [Float]) {
        let images = space.images.rows
        guard images >= 2, !captionImage.isEmpty, captionImage.count == space.texts.rows else {
            throw EvaluationError("calibration needs a split of at least two images and their captions (got \(images) images, \(captionImage.count) captions)")
        }
        guard captionImage.allSatisfy({ (0..<images).contains($0) }) else { throw EvaluationError("a caption names an image outside the split") }
        if let baselines, baselines.count != images {
            throw EvaluationError("\(baselines.count) image baselines for \(images) images")
        }
        var captions = Array(captionImage.indices)
        if captions.count > maxCaptions {
            var generator = SeededGenerator(seed: seed)
            generator.shuffle(&captions)
            captions = Array(captions.prefix(max(1, maxCaptions))).sorted()
        }
        var pairs: [Pair] = []
        var best: [Float] = []
        let k = min(shownResults, images)
        for start in stride(from: 0, to: captions.count, by: 1024) {
            let block = Array(captions[start..<min(captions.count, start + 1024)])
            let hits = try space.nearestImages(toTexts: block, k: k)
            for (caption, row) in zip(block, hits) {
                let own = captionImage[caption]
                let fold = own % 2
                let scores = row.map { $0.value - (baselines?[$0.index] ?? 0) }
                best.append(scores.max() ?? 0)
                for (hit, score) in zip(row, scores) { pairs.append(Pair(score: Double(score), label: hit.index == own, weight: 1, fold: fold)) }
            }
        }
        return (pairs, best)
    }

    /// The weighted logistic regression of the labels on the scores, by Newton's method.
    ///
    /// Minimises Σ wᵢ·[−yᵢ log p(sᵢ) − (1 − yᵢ) log(1 − p(sᵢ))] + (λ/2)·a² with a tiny ridge λ = 1e-6·W, which
    /// keeps `a` finite when the classes separate. The Hessian of this convex loss is positive definite, so
    /// Newton converges quadratically; steps are halved while the loss rises.
    ///
    /// A higher score must never mean a less likely match (the ranking would contradict the probability): when
    /// the best slope is negative, as for a model no better than chance, the fit is the constant base rate
    /// (slope 0), which cuts nothing.
    static func logisticFit(_ pairs: [Pair]) -> (slope: Double, intercept: Double) {
        let total = pairs.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return (0, 0) }
        let ridge = 1e-6 * total
        // Start from the prior log-odds, slope 0.
        let positive = pairs.reduce(0) { $0 + ($1.label ? $1.weight : 0) }
        let prior = min(max(positive / total, 1e-6), 1 - 1e-6)
        var a = 0.0, b = log(prior / (1 - prior))
        func loss(_ a: Double, _ b: Double) -> Double {
            var l = 0.5 * ridge * a * a
            for pair in pairs {
                let z = a * pair.score + b
                // log(1 + e^z) − y·z, computed without overflow.
                let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
                l += pair.weight * (softplus - (pair.label ? z : 0))
            }
            return l
        }
        var current = loss(a, b)
        for _ in 0..<100 {
            var (ga, gb, haa, hab, hbb) = (ridge * a, 0.0, ridge, 0.0, 0.0)
            for pair in pairs {
                let p = sigmoid(a * pair.score + b)
                let r = pair.weight * (p - (pair.label ? 1 : 0))
                let v = pair.weight * p * (1 - p)
                ga += r * pair.score
                gb += r
                haa += v * pair.score * pair.score
                hab += v * pair.score
                hbb += v
            }
            let determinant = haa * hbb - hab * hab
            guard determinant > 0 else { break }
            let da = (hbb * ga - hab * gb) / determinant
            let db = (haa * gb - hab * ga) / determinant
            var step = 1.0
            var next = loss(a - da, b - db)
            while next > current, step > 1e-10 {
                step /= 2
                next = loss(a - step * da, b - step * db)
            }
            guard next <= current else { break }
            (a, b) = (a - step * da, b - step * db)
            let improvement = current - next
            current = next
            if improvement <= 1e-12 * max(1, abs(current)) { break }
        }
        if a < 0 { return (0, log(prior / (1 - prior))) }
        return (a, b)
    }

    /// Equal-width bins of predicted probability and the expected calibration error over them.
    static func reliability(predicted: [Double], labels: [Bool], weights: [Double]) -> (bins: [Bin], ece: Double) {
        var weight = [Double](repeating: 0, count: binCount)
        var predictedSum = weight, observedSum = weight
        for (i, p) in predicted.enumerated() {
            let bin = min(binCount - 1, max(0, Int(p * Double(binCount))))
            weight[bin] += weights[i]
            predictedSum[bin] += weights[i] * p
            observedSum[bin] += labels[i] ? weights[i] : 0
        }
        let total = weight.reduce(0, +)
        var bins: [Bin] = []
        var ece = 0.0
        for b in 0..<binCount {
            let w = weight[b]
            let bin = Bin(
                lower: Double(b) / Double(binCount), upper: Double(b + 1) / Double(binCount), weight: w,
                predicted: w > 0 ? predictedSum[b] / w : 0, observed: w > 0 ? observedSum[b] / w : 0)
            bins.append(bin)
            if total > 0 { ece += w / total * abs(bin.predicted - bin.observed) }
        }
        return (bins, ece)
    }

    static func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }
}
