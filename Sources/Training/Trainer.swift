import Dispatch
import Evaluation
import Foundation
import Numerics
import TensorFiles

/// Features of one split, ready for training or validation.
public struct FeatureSet: Sendable {
    /// One row per image.
    public let imageFeatures: Matrix
    /// One row per caption.
    public let textFeatures: Matrix
    /// The image row of each caption.
    public let captionImage: [Int]
    /// For each caption, its neighbour captions (rows of `textFeatures`), nearest first; nil without neighbourhoods.
    public let neighbors: [[Int]]?

    /// Creates a feature set, checking that the parts agree.
    public init(imageFeatures: Matrix, textFeatures: Matrix, captionImage: [Int], neighbors: [[Int]]? = nil) throws(TrainingError) {
        guard captionImage.count == textFeatures.rows else {
            throw TrainingError("\(captionImage.count) caption-to-image links for \(textFeatures.rows) caption features")
        }
        guard captionImage.allSatisfy({ $0 >= 0 && $0 < imageFeatures.rows }) else {
            throw TrainingError("a caption points at an image row outside the \(imageFeatures.rows) image features")
        }
        if let neighbors, neighbors.count != textFeatures.rows {
            throw TrainingError("\(neighbors.count) neighbour lists for \(textFeatures.rows) captions")
        }
        self.imageFeatures = imageFeatures
        self.textFeatures = textFeatures
        self.captionImage = captionImage
        self.neighbors = neighbors
    }
}

/// One line of `metrics.jsonl`.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Mean training loss and its four weighted-in terms (i2t, sym, img, text), before weighting.
    public var trainLoss: Double
    /// The unweighted mean of each term.
    public var terms: [Double]
    /// The learning rate used in this epoch.
    public var learningRate: Float
    /// The validation loss (the cross-modal terms).
    public var validationLoss: Double
    /// Validation recalls.
    public var validation: RetrievalMetrics
    /// R@1+R@5+R@10 both ways.
    public var rsum: Double
    /// Whether this epoch is the best so far.
    public var best: Bool
    /// Training pairs per second in this epoch.
    public var pairsPerSecond: Double
    /// How spread out the validation images and texts are in the joint space; a relative spread near 0
    /// means the model has collapsed to one point. Absent in logs written before it was recorded.
    public var spread: JointSpaceSpread?
}

/// Trains a ``JointModel``: batches, the four-term objective, Adam, validation, checkpoints.
///
/// Every epoch draws its batch order, dropout masks and neighbour choices from a generator derived
/// from the seed and the epoch number alone, so resuming from the checkpoint of epoch e repeats
/// exactly what an uninterrupted run does from epoch e + 1.
public final class Trainer {
    /// The run's settings.
    public let configuration: TrainingConfiguration
    /// The model being trained.
    public let model: JointModel
    let training: FeatureSet
    let validation: FeatureSet
    let folder: URL
    let optimizer: AdamOptimizer

    /// Prepares a run writing into `folder`; `wordEmbeddings` start a GRU text tower, `imageNetwork` (the
    /// pretrained weights of the blocks a fine-tuning run trains, by ``ImageNetworkTail`` short names) its
    /// image tower.
    public init(
        configuration: TrainingConfiguration, training: FeatureSet, validation: FeatureSet, folder: URL,
        wordEmbeddings: Matrix? = nil, imageNetwork: [String: Matrix] = [:]
    ) throws {
        try configuration.validate()
        // Token rows of a GRU may differ in width between splits (the longest text of each, without a cap);
        // a fine-tuning run's training maps may carry their mirrors, its validation maps need not.
        let imageWidthsFit: Bool
        if let map = configuration.imageFinetuning?.architecture?.inputWidth {
            imageWidthsFit = [training.imageFeatures.columns, validation.imageFeatures.columns].allSatisfy { $0 == map || $0 == 2 * map }
        } else {
            imageWidthsFit = training.imageFeatures.columns == validation.imageFeatures.columns
        }
        guard imageWidthsFit,
            configuration.textRecurrentHidden != nil || training.textFeatures.columns == validation.textFeatures.columns
        else { throw TrainingError("training and validation features have different widths") }
        if configuration.weights.usesNeighbors, training.neighbors == nil {
            throw TrainingError("weights for L_img or L_text need neighbourhoods (--neighbors), or set those weights to 0")
        }
        self.configuration = configuration
        self.training = training
        self.validation = validation
        self.folder = folder
        self.model = try JointModel(
            configuration: configuration, imageInput: training.imageFeatures.columns, textInput: training.textFeatures.columns,
            wordEmbeddings: wordEmbeddings, imageNetwork: imageNetwork)
        self.optimizer = AdamOptimizer(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
    }

    var files: ModelFolder { ModelFolder(folder) }
    var lastCheckpoint: URL { files.lastCheckpoint }
    var bestCheckpoint: URL { files.bestCheckpoint }

    /// Runs until early stopping, `maxEpochs`, or `stopAfter` more epochs (to simulate an interruption).
    ///
    /// - Parameters:
    ///   - resume: continue from `last.safetensors` if present.
    ///   - onStep: called after each step with pairs done in the epoch, pairs per epoch and the batch loss.
    ///   - onEpoch: called with each epoch's record.
    /// - Returns: every epoch's record, including those before a resume.
    @discardableResult
    public func run(
        resume: Bool, stopAfter: Int? = nil, onStep: ((Int, Int, Float) -> Void)? = nil,
        onEpoch: ((EpochRecord) -> Void)? = nil
    ) throws -> [EpochRecord] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Batches are small: one BLAS thread avoids a helper thread spinning through the Swift loops.
        return try BLASThreads.with(1) { try runEpochs(resume: resume, stopAfter: stopAfter, onStep: onStep, onEpoch: onEpoch) }
    }

    private func runEpochs(
        resume: Bool, stopAfter: Int?, onStep: ((Int, Int, Float) -> Void)?, onEpoch: ((EpochRecord) -> Void)?
    ) throws -> [EpochRecord] {
        var state = RunState()
        var records: [EpochRecord] = []
        if resume, FileManager.default.fileExists(atPath: lastCheckpoint.path) {
            state = try loadCheckpoint(lastCheckpoint)
            records = try readRecords().filter { $0.epoch <= state.epoch }
        }
        try writeRecords(records)
        var ran = 0
        while state.epoch < configuration.maxEpochs, state.badEpochs < configuration.patience {
            if let stopAfter, ran >= stopAfter { break }
            let epoch = state.epoch + 1
            if let step = configuration.stepDecay { optimizer.learningRate = step.rate(base: configuration.learningRate, epoch: epoch) }
            let started = Date()
            let (loss, terms, pairs) = try trainEpoch(epoch, onStep: onStep)
            let seconds = Date().timeIntervalSince(started)
            // One embedding of the validation set serves both the recalls and the loss.
            let images = try model.embedImages(validation.imageFeatures)
            let texts = try model.embedTexts(validation.textFeatures)
            let metrics = try RetrievalMetrics.evaluate(
                images: images, texts: texts, captionImage: validation.captionImage, metric: configuration.rankingMetric)
            let validationLoss = try self.validationLoss(images: images, texts: texts)
            let score = configuration.stopOn == .rsum ? metrics.rsum : -validationLoss
            // Keeping the last epoch (the second work's choice) makes every epoch the one kept.
            let improved = configuration.keep == .last || state.bestScore == nil || score > state.bestScore!
            var record = EpochRecord(
                epoch: epoch, trainLoss: loss, terms: terms, learningRate: optimizer.learningRate,
                validationLoss: validationLoss, validation: metrics, rsum: metrics.rsum, best: improved,
                pairsPerSecond: Double(pairs) / max(seconds, 1e-9),
                spread: JointSpaceSpread(images: images, texts: texts))
            if improved {
                state.bestScore = score
                state.badEpochs = 0
            } else {
                state.badEpochs += 1
            }
            if configuration.plateauPatience > 0 { Self.stepPlateau(&state, score: score, configuration: configuration, optimizer: optimizer) }
            state.epoch = epoch
            record.best = improved
            records.append(record)
            try writeRecords(records)
            if improved { try saveCheckpoint(bestCheckpoint, state: state) }
            try saveCheckpoint(lastCheckpoint, state: state)
            onEpoch?(record)
            ran += 1
        }
        return records
    }

    /// Checks that `run(resume: true)` can continue: the last checkpoint, if there is one, fits this
    /// configuration. Callers check before writing anything, so a bad checkpoint leaves the folder as it was.
    public func checkResumable() throws {
        guard FileManager.default.fileExists(atPath: lastCheckpoint.path) else { return }
        _ = try loadCheckpoint(lastCheckpoint)
    }

    /// Loads the best checkpoint's weights into the model.
    public func loadBest() throws {
        _ = try loadCheckpoint(bestCheckpoint, weightsOnly: true)
    }

    // MARK: - One epoch

    private func trainEpoch(_ epoch: Int, onStep: ((Int, Int, Float) -> Void)?) throws -> (Double, [Double], Int) {
        var generator = SeededGenerator(seed: configuration.seed).derived(stream: UInt64(epoch))
        let order = epochOrder(&generator)
        let sampling = configuration.negativeSampling
        let b = configuration.batchSize
        let w = configuration.weights
        let useNeighbors = w.usesNeighbors && training.neighbors != nil
        var totalLoss = 0.0
        var termTotals = [Double](repeating: 0, count: 4)
        var steps = 0
        var pairs = 0
        // Gradients start at zero; each update clears those it read, ready for the next step.
        for parameter in model.parameters { parameter.zeroGradient() }
        for start in stride(from: 0, to: order.count, by: b) {
            let captions = Array(order[start..<min(start + b, order.count)])
            guard captions.count >= 2 else { continue }
            let count = captions.count
            let images = captions.map { training.captionImage[$0] }
            var neighborCaptions = captions
            if useNeighbors, let table = training.neighbors {
                neighborCaptions = captions.map { caption in
                    let pool = min(configuration.neighborPool, table[caption].count)
                    return pool > 0 ? table[caption][generator.int(below: pool)] : caption
                }
            }
            let neighborImages = neighborCaptions.map { training.captionImage[$0] }
            // Rows of the towers' inputs: the batch, then neighbours (for L_img / L_text), then the negatives'.
            var imageRows = images + (w.image > 0 ? neighborImages : [])
            var textRows = captions + (w.text > 0 ? neighborCaptions : [])
            let negatives = StepNegatives.draw(
                sampling, count: count, extraTexts: w.imageToText > 0 ? configuration.trainingSetTextNegatives : 0, training: training,
                imageRows: &imageRows, textRows: &textRows, generator: &generator)
            // The towers share nothing, so each runs on its own core with its own dropout stream.
            let imageInput = training.imageFeatures.gatherRows(imageRows)
            let textInput = training.textFeatures.gatherRows(textRows)
            var imageGenerator = generator.derived(stream: 2 * UInt64(steps))
            var textGenerator = generator.derived(stream: 2 * UInt64(steps) + 1)
            let outputs = try Parallel.both(
                { try self.model.imageTower.forward(imageInput, training: true, generator: &imageGenerator) },
                { try self.model.textTower.forward(textInput, training: true, generator: &textGenerator) })
            var gradients = TowerPair(
                images: Matrix(rows: outputs.0.rows, columns: outputs.0.columns),
                texts: Matrix(rows: outputs.1.rows, columns: outputs.1.columns))
            let output = TowerPair(images: outputs.0, texts: outputs.1)
            var batchLoss: Float = 0
            for term in ObjectiveTerm.all {
                let weight = term.weight(in: w)
                guard weight > 0 else { continue }
                let anchors = output[term.anchors].gatherRows(0..<count)
                let positiveRows = term.positivesAreNeighbors ? count..<(2 * count) : 0..<count
                let positives = output[term.positives].gatherRows(positiveRows)
                let r = try negatives.evaluate(
                    term, loss: configuration.loss, anchors: anchors, positives: positives, output: output, anchorGroups: images,
                    positiveGroups: term.positivesAreNeighbors ? neighborImages : images)
                gradients.add(r.anchors, to: term.anchors, row: 0, weight: weight)
                gradients.add(r.positives, to: term.positives, row: positiveRows.lowerBound, weight: weight)
                if let negative = r.negatives { gradients.add(negative.gradient, to: negative.side, row: negative.row, weight: weight) }
                batchLoss += weight * r.loss
                termTotals[term.rawValue] += Double(r.loss)
            }
            guard batchLoss.isFinite else {
                throw TrainingError("the loss became \(batchLoss) at epoch \(epoch); lower the learning rate")
            }
            optimizer.beginStep()
            _ = try Parallel.both(
                {
                    try self.model.imageTower.backward(gradients.images, inputGradient: false)
                    self.optimizer.apply(self.model.imageTower.parameters, clearingGradients: true)
                },
                {
                    try self.model.textTower.backward(gradients.texts, inputGradient: false)
                    self.optimizer.apply(self.model.textTower.parameters, clearingGradients: true)
                })
            totalLoss += Double(batchLoss)
            steps += 1
            pairs += count
            onStep?(pairs, order.count, batchLoss)
        }
        let divisor = Double(max(steps, 1))
        return (totalLoss / divisor, termTotals.map { $0 / divisor }, pairs)
    }

    /// The captions one epoch visits, in order: every caption once (shuffled), or every image once with
    /// one of its captions drawn at random (the second work's loop).
    private func epochOrder(_ generator: inout SeededGenerator) -> [Int] {
        guard configuration.epochPairs == .oneCaptionPerImage else { return generator.permutation(training.textFeatures.rows) }
        var captionsOf = [[Int]](repeating: [], count: training.imageFeatures.rows)
        for (caption, image) in training.captionImage.enumerated() { captionsOf[image].append(caption) }
        return generator.permutation(captionsOf.count).compactMap { image in
            captionsOf[image].isEmpty ? nil : captionsOf[image][generator.int(below: captionsOf[image].count)]
        }
    }

    // MARK: - Validation

    /// Recalls on the validation set with the current weights.
    public func evaluate() throws -> RetrievalMetrics {
        try RetrievalMetrics.evaluate(
            images: model.embedImages(validation.imageFeatures), texts: model.embedTexts(validation.textFeatures),
            captionImage: validation.captionImage, metric: configuration.rankingMetric)
    }

    /// The weighted cross-modal terms on validation batches in caption order, from the validation
    /// set's embeddings.
    func validationLoss(images: Matrix, texts: Matrix) throws -> Double {
        if configuration.validationLoss == .firstWork { return try firstWorkValidationLoss(images: images, texts: texts) }
        let w = configuration.weights
        var total = 0.0
        var batches = 0
        let b = configuration.batchSize
        for start in stride(from: 0, to: texts.rows, by: b) {
            let captions = Array(start..<min(start + b, texts.rows))
            guard captions.count >= 2 else { continue }
            let groups = captions.map { validation.captionImage[$0] }
            let imageBatch = images.gatherRows(groups)
            let textBatch = texts.gatherRows(captions)
            var loss: Float = 0
            if w.imageToText > 0 {
                loss += w.imageToText * (try configuration.loss.evaluate(anchors: imageBatch, positives: textBatch, anchorGroups: groups, positiveGroups: groups).loss)
            }
            if w.textToImage > 0 {
                loss += w.textToImage * (try configuration.loss.evaluate(anchors: textBatch, positives: imageBatch, anchorGroups: groups, positiveGroups: groups).loss)
            }
            total += Double(loss)
            batches += 1
        }
        return total / Double(max(batches, 1))
    }

    /// The first work's validation loss (``ValidationLoss/firstWork``): the same draws at every epoch, so epochs
    /// compare on equal terms.
    /// - Complexity: O(n · B · d) for n validation captions.
    func firstWorkValidationLoss(images: Matrix, texts: Matrix) throws -> Double {
        guard let angular = configuration.loss.function as? AngularNPairLoss else {
            throw TrainingError("the first work's validation loss needs the angular loss")
        }
        var generator = SeededGenerator(seed: Self.firstWorkValidationSeed)
        var total = 0.0
        var batches = 0
        let b = configuration.batchSize
        for start in stride(from: 0, to: texts.rows, by: b) {
            let captions = Array(start..<min(start + b, texts.rows))
            // B of all validation texts, without replacement (Python's random.sample), for this batch.
            var pool = Array(0..<texts.rows)
            for i in 0..<captions.count {
                let j = i + generator.int(below: pool.count - i)
                pool.swapAt(i, j)
            }
            let negatives = texts.gatherRows(pool.prefix(captions.count))
            let anchors = images.gatherRows(captions.map { validation.captionImage[$0] })
            let result = try angular.evaluate(anchors: anchors, positives: texts.gatherRows(captions), sharedNegatives: negatives, multiplicity: 1)
            total += Double(result.loss)
            batches += 1
        }
        return total / Double(max(batches, 1))
    }

    /// The seed the first work's code sets before each validation (`random.seed(9485629)`); our generator is not
    /// Python's, so the draws differ from theirs but are as fixed.
    static let firstWorkValidationSeed: UInt64 = 9_485_629

    // MARK: - Checkpoints and the log

    struct RunState {
        var epoch = 0
        var bestScore: Double?
        var badEpochs = 0
        var plateauEpochs = 0
        /// The best score the learning-rate schedule has seen (it counts only improvements beyond its threshold).
        var plateauBest: Double?
    }

    /// The relative improvement the plateau schedule needs to count an epoch as better: PyTorch's
    /// `ReduceLROnPlateau` default (`threshold=1e-4`, `threshold_mode='rel'`).
    static let plateauThreshold = 1e-4

    /// One epoch of the plateau schedule, as `torch.optim.lr_scheduler.ReduceLROnPlateau` steps it (the first
    /// work's train_cross_modal_retrieval_model.py lines 229 and 329): an epoch is better when its score beats
    /// the schedule's best by more than ``plateauThreshold`` of it (for a loss: `loss < best·(1 − 1e-4)`);
    /// otherwise it is bad, and once *more than* `plateauPatience` bad epochs in a row have passed the rate is
    /// multiplied by `plateauFactor` and the count starts again. With patience 5 the cut comes on the 6th bad
    /// epoch. The schedule's best is its own: an epoch can be kept as the best model without resetting it.
    static func stepPlateau(_ state: inout RunState, score: Double, configuration: TrainingConfiguration, optimizer: AdamOptimizer) {
        if let best = state.plateauBest, !(score > best + plateauThreshold * abs(best)) {
            state.plateauEpochs += 1
            if state.plateauEpochs > configuration.plateauPatience {
                optimizer.learningRate *= configuration.plateauFactor
                state.plateauEpochs = 0
            }
        } else {
            state.plateauBest = score
            state.plateauEpochs = 0
        }
    }

    func saveCheckpoint(_ url: URL, state: RunState) throws {
        var tensors = model.tensors(prefix: "param.")
        tensors.merge(optimizer.tensors(model.parameters)) { a, _ in a }
        var metadata = [
            "epoch": String(state.epoch), "badEpochs": String(state.badEpochs), "plateauEpochs": String(state.plateauEpochs),
            "step": String(optimizer.step), "learningRate": String(optimizer.learningRate),
        ]
        if let best = state.bestScore { metadata["bestScore"] = String(best) }
        if let best = state.plateauBest { metadata["plateauBest"] = String(best) }
        try SafetensorsFile.write(SafetensorsArchive(tensors: tensors, metadata: metadata), to: url)
    }

    func loadCheckpoint(_ url: URL, weightsOnly: Bool = false) throws -> RunState {
        let archive = try SafetensorsFile.read(url)
        try model.load(archive.tensors, prefix: "param.", file: url.path)
        do {
            try optimizer.load(archive.tensors, parameters: weightsOnly ? [] : model.parameters)
        } catch let error as TrainingError {
            throw TrainingError("\(url.path): \(error.message)")
        }
        var state = RunState()
        if weightsOnly { return state }
        state.epoch = Int(archive.metadata["epoch"] ?? "") ?? 0
        state.badEpochs = Int(archive.metadata["badEpochs"] ?? "") ?? 0
        state.plateauEpochs = Int(archive.metadata["plateauEpochs"] ?? "") ?? 0
        state.bestScore = archive.metadata["bestScore"].flatMap(Double.init)
        state.plateauBest = archive.metadata["plateauBest"].flatMap(Double.init)
        optimizer.step = Int(archive.metadata["step"] ?? "") ?? 0
        optimizer.learningRate = Float(archive.metadata["learningRate"] ?? "") ?? configuration.learningRate
        guard state.epoch >= 0, state.badEpochs >= 0, state.plateauEpochs >= 0, optimizer.step >= 0,
            optimizer.learningRate.isFinite, optimizer.learningRate > 0
        else {
            throw TrainingError("\(url.path): its training state (epoch, step, learning rate) is out of range; delete it to start afresh")
        }
        return state
    }

    func readRecords() throws -> [EpochRecord] { files.records() }

    func writeRecords(_ records: [EpochRecord]) throws { try files.write(records: records) }
}
