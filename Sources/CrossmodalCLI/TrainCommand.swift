import ArgumentParser
import Datasets
import Encoders
import Foundation
import Neighbors
import Numerics
import TextModels
import Training

/// Named starting configurations for `train`.
enum TrainingPreset: String, ExpressibleByArgument, CaseIterable {
    /// Thomas & Kovashka (2020): angular N-pair, weights 1/1/0.3/0.2, batch 32, Adam 1e-4 (wd 1e-5), 256-d.
    case thomas2020
    /// The Flickr30k triplet networks: PReLU MLPs to 4096-d with output dropout, squared-L2 triplet loss, margin 1.
    case tripletNetworks = "triplet-networks"
    /// VSE++: hardest-negative hinge, margin 0.2, batch 128, 1024-d, linear image projection.
    case vsepp
    /// Symmetric InfoNCE (temperature 0.05), batch 128, Adam 5e-4, 512-d.
    case infonce

    var configuration: TrainingConfiguration {
        switch self {
        case .thomas2020:
            // The first work's text model: a GRU over word embeddings started from Doc2Vec's word vectors.
            return TrainingConfiguration(
                textTower: TowerSpecification(hidden: [], activation: .none, dropout: 0), textRecurrentHidden: 512)
        case .tripletNetworks:
            // Their projections: images 2048 → PReLU → 4096 with dropout 0.5 on the output; texts 1024 → PReLU →
            // 2048 → PReLU → 4096 with dropout 0.1; Adam 1e-3, batches of 1024. Normalised here, which their
            // code did not do (`--no-normalize` restores that, and their collapse).
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [2048], activation: .prelu, dropout: 0, outputDropout: 0.5),
                textTower: TowerSpecification(hidden: [1024, 2048], activation: .prelu, dropout: 0, outputDropout: 0.1),
                embeddingDimension: 4096, loss: .tripletSquaredL2(margin: 1),
                weights: [1, 1, 0, 0], batchSize: 1024, learningRate: 1e-3, weightDecay: 0)
        case .vsepp:
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [], activation: .none, dropout: 0),
                textTower: TowerSpecification(hidden: [1024], activation: .relu, dropout: 0.1), embeddingDimension: 1024,
                loss: .vsePlusPlus(margin: 0.2, hardestNegative: true), weights: [1, 1, 0, 0], batchSize: 128,
                learningRate: 2e-4, weightDecay: 0)
        case .infonce:
            return TrainingConfiguration(
                imageTower: TowerSpecification(hidden: [1024], activation: .prelu, dropout: 0.2),
                textTower: TowerSpecification(hidden: [1024], activation: .prelu, dropout: 0.2), embeddingDimension: 512,
                loss: .infoNCE(temperature: 0.05), weights: [1, 1, 0, 0], batchSize: 128, learningRate: 5e-4)
        }
    }
}

/// The loss names `train --loss` accepts.
enum LossName: String, ExpressibleByArgument, CaseIterable {
    case angular, angularBuggy = "angular-with-positive", angularTriplet = "angular-triplet", vsepp, vseppHard = "vsepp-hard", infonce, triplet, tripletHard = "triplet-hard"
}

/// `crossmodal train`: learn the image and text towers into one space.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the joint image–text embedding (four-term objective, early stopping, checkpoints).",
        discussion: """
            The run folder gets config.json, metrics.jsonl (one line per epoch), best.safetensors and last.safetensors.
            Rerun with --resume to continue an interrupted run exactly. With L_img or L_text weights and no
            --neighbors, Doc2Vec and its neighbourhoods are computed first into the run folder.
            """
    )

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "Starting configuration: \(TrainingPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: TrainingPreset = .thomas2020

    @Option(help: "The run folder.")
    var out: String

    @Option(help: "Training split.") var trainSplit = "train"
    @Option(help: "Validation split (model choice and early stopping).") var validationSplit = "dev"
    @Option(help: "Image encoder.") var imageEncoder: ImageEncoderName = .efficientnetLite0
    @Option(help: "Text encoder for an MLP text tower.") var textEncoder: TextEncoderName = .minilm
    @Option(help: "Text tower: gru (over Doc2Vec-initialised word embeddings) or mlp (over --text-encoder features); default: the preset's.")
    var textTower: TextTowerKind?
    @Option(help: "A Doc2Vec model folder for the GRU's word embeddings and the neighbourhoods (default: trained into the run folder).")
    var doc2vec: String?
    @Option(help: "Neighbour file of the training captions (from `crossmodal neighbors`).") var neighbors: String?
    @Option(help: "Weights of i2t, sym, img, text, e.g. 1,1,0.3,0.2.") var weights: String?
    @Option(help: "Loss: \(LossName.allCases.map(\.rawValue).joined(separator: ", ")).") var loss: LossName?
    @Option(help: "Margin of hinge losses.") var margin: Float?
    @Option(help: "InfoNCE temperature.") var temperature: Float?
    @Option(help: "Pairs per step.") var batchSize: Int?
    @Option(help: "Adam learning rate.") var learningRate: Float?
    @Option(help: "Adam weight decay.") var weightDecay: Float?
    @Option(help: "Joint space width.") var embeddingDimension: Int?
    @Option(help: "Hidden layer widths of both towers, comma-separated (empty for linear).") var hidden: String?
    @Option(help: "Dropout after hidden layers.") var dropout: Float?
    @Flag(help: "Do not L2-normalise the towers' outputs (reproduces the triplet networks' collapse).") var noNormalize = false
    @Option(help: "Activation after the towers' output layer: prelu, relu or none.")
    var outputActivation: TowerSpecification.Activation?
    @Option(help: "Dropout on the towers' outputs: one rate for both, or image,text (the second work: 0.5,0.1).")
    var outputDropout: String?
    @Option(help: "Most epochs.") var epochs: Int?
    @Option(help: "Early-stopping patience in epochs.") var patience: Int?
    @Option(help: "Early stopping on rsum or loss.") var stopOn: TrainingConfiguration.StoppingMetric?
    @Option(help: "Neighbours drawn from each caption's first N.") var neighborPool: Int?
    @Option(help: "Divide the learning rate by 10 after this many epochs without improvement (0: never).") var plateauPatience: Int?
    @Option(help: "Captions drawn from the whole training set as extra negatives of the image→text term.") var textNegatives: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Continue from the run folder's last checkpoint.") var resume = false
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).") var cacheDir: String?
    @Option(help: "Stop after this many epochs in this invocation (the run can be resumed).") var stopAfter: Int?
    @Flag(inversion: .prefixedNo, help: "Train separate image→text and text→image models (default: on for triplet-networks).")
    var separate: Bool?

    var separateDirections: Bool { separate ?? (preset == .tripletNetworks) }

    /// The numbers of a comma-separated option value, or nil if any part is not a number.
    static func numbers(_ text: String) -> [Float]? {
        let parts = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? nil : parts.map { $0! }
    }

    func trainingConfiguration() throws -> TrainingConfiguration {
        var c = preset.configuration
        if let weights {
            guard let parts = Self.numbers(weights), parts.count == 4 else {
                throw ValidationError("--weights takes four numbers for i2t, sym, img, text, e.g. 1,1,0.3,0.2")
            }
            c.weights = parts
        }
        if let loss {
            switch loss {
            case .angular: c.loss = .angularNPair(tanSquared: 1, positiveAmongNegatives: false)
            case .angularBuggy: c.loss = .angularNPair(tanSquared: 1, positiveAmongNegatives: true)
            case .angularTriplet: c.loss = .angularTriplet(tanSquared: 1)
            case .vsepp: c.loss = .vsePlusPlus(margin: margin ?? 0.2, hardestNegative: false)
            case .vseppHard: c.loss = .vsePlusPlus(margin: margin ?? 0.2, hardestNegative: true)
            case .infonce: c.loss = .infoNCE(temperature: temperature ?? 0.05)
            case .triplet: c.loss = .tripletSquaredL2(margin: margin ?? 1)
            case .tripletHard: c.loss = .hardestTripletSquaredL2(margin: margin ?? 1)
            }
        }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let weightDecay { c.weightDecay = weightDecay }
        if let embeddingDimension { c.embeddingDimension = embeddingDimension }
        if let hidden {
            let widths = hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            c.imageTower.hidden = widths
            c.textTower.hidden = widths
        }
        if let dropout {
            c.imageTower.dropout = dropout
            c.textTower.dropout = dropout
        }
        if noNormalize { c.normalize = false }
        if let outputActivation {
            c.imageTower.outputActivation = outputActivation
            c.textTower.outputActivation = outputActivation
        }
        if let outputDropout {
            guard let rates = Self.numbers(outputDropout), (1...2).contains(rates.count) else {
                throw ValidationError("--output-dropout takes one rate or two (image,text), e.g. 0.5,0.1; got '\(outputDropout)'")
            }
            c.imageTower.outputDropout = rates[0]
            c.textTower.outputDropout = rates[rates.count - 1]
        }
        switch textTower {
        case .gru?: if c.textRecurrentHidden == nil { c.textRecurrentHidden = 512 }
        case .mlp?:
            c.textRecurrentHidden = nil
            if c.textTower.hidden.isEmpty { c.textTower = c.imageTower.hidden.isEmpty ? TowerSpecification() : c.imageTower }
        case nil: break
        }
        if let epochs { c.maxEpochs = epochs }
        if let patience { c.patience = patience }
        if let stopOn { c.stopOn = stopOn }
        if let neighborPool { c.neighborPool = neighborPool }
        if let plateauPatience { c.plateauPatience = plateauPatience }
        if let textNegatives { c.trainingSetTextNegatives = textNegatives }
        c.seed = seed
        try c.validate()
        return c
    }

    func run() throws {
        let configuration = try trainingConfiguration()
        let dataset = try datasetOptions.load()
        let store = try ModelStore.locate(explicit: models)
        let cache = EmbeddingCache(folder: cacheDir.map { URL(fileURLWithPath: $0) } ?? EmbeddingCache.defaultFolder)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let needsNeighbors = configuration.weights[2] > 0 || configuration.weights[3] > 0
        let useGRU = configuration.textRecurrentHidden != nil
        let doc2vecModel = useGRU || (needsNeighbors && neighbors == nil)
            ? try loadOrTrainDoc2Vec(dataset: dataset, folder: folder) : nil

        func features(_ split: String) throws -> SplitFeatures {
            try SplitFeatures.extract(
                dataset: dataset, split: split, imageEncoder: imageEncoder, textEncoder: textEncoder,
                tokensFrom: useGRU ? doc2vecModel : nil, store: store, cache: cache, strict: datasetOptions.strict)
        }
        print("features: \(imageEncoder.rawValue) images, " + (useGRU ? "Doc2Vec-vocabulary token ids for the GRU" : "\(textEncoder.rawValue) captions") + " (cached after the first run)")
        let trainingSplit = try features(trainSplit)
        var training = try trainingSplit.featureSet()
        let trainingIDs = trainingSplit.captions.map(\.id)
        let validation = try features(validationSplit).featureSet()

        var neighborFile = neighbors
        if needsNeighbors {
            if neighborFile == nil, let model = doc2vecModel {
                let table = try ExactNeighbors.search(model.documentVectors, k: max(configuration.neighborPool, 10), metric: .cosine)
                let file = folder.appendingPathComponent("neighbors.safetensors")
                try table.write(to: file, ids: model.documentIDs, metadata: ["source": "doc2vec"])
                neighborFile = file.path
            }
            training = try FeatureSet(
                imageFeatures: training.imageFeatures, textFeatures: training.textFeatures,
                captionImage: training.captionImage,
                neighbors: try Self.neighborLists(file: neighborFile!, captionIDs: trainingIDs, pool: configuration.neighborPool))
        }

        let description = RunDescription(
            preset: preset.rawValue, dataset: dataset.source.path, trainSplit: trainSplit, validationSplit: validationSplit,
            imageEncoder: imageEncoder.rawValue, textEncoder: textEncoder.rawValue, neighbors: neighborFile,
            doc2vec: doc2vecModel == nil ? nil : (doc2vec.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "doc2vec"),
            separateDirections: separateDirections, training: configuration)
        try description.write(to: folder)

        print("training \(preset.rawValue) on \(grouped(training.textFeatures.rows)) pairs, validating on \(grouped(validation.textFeatures.rows)) captions / \(grouped(validation.imageFeatures.rows)) images")
        let embeddings = useGRU ? doc2vecModel?.wordVectors : nil
        guard separateDirections else {
            let best = try trainOne(configuration, training: training, validation: validation, folder: folder, wordEmbeddings: embeddings)
            if let best { print(String(format: "best: epoch %d, rsum %.1f; run folder %@", best.epoch, best.rsum, out)) }
            return
        }
        // The second work's setup: one model trained for image→text only, another for text→image only,
        // each direction scored with its own model.
        var i2t = configuration, t2i = configuration
        i2t.weights = [1, 0, configuration.weights[2], 0]
        t2i.weights = [0, 1, 0, configuration.weights[3]]
        print("image→text model (run/image-to-text):")
        let a = try trainOne(i2t, training: training, validation: validation, folder: folder.appendingPathComponent("image-to-text"), wordEmbeddings: embeddings)
        print("text→image model (run/text-to-image):")
        let b = try trainOne(t2i, training: training, validation: validation, folder: folder.appendingPathComponent("text-to-image"), wordEmbeddings: embeddings)
        if let a, let b {
            let i2tRecalls = a.validation.imageToText, t2iRecalls = b.validation.textToImage
            let rsum = i2tRecalls.reduce(0, +) + t2iRecalls.reduce(0, +)
            print(String(format: "best: image→text R@1/5/10 %.1f/%.1f/%.1f (epoch %d), text→image %.1f/%.1f/%.1f (epoch %d), rsum %.1f; run folder %@",
                         i2tRecalls[0], i2tRecalls[1], i2tRecalls[2], a.epoch, t2iRecalls[0], t2iRecalls[1], t2iRecalls[2], b.epoch, rsum, out))
        }
    }

    /// Trains one model into `folder`, printing a line per epoch; returns the best epoch's record.
    func trainOne(
        _ configuration: TrainingConfiguration, training: FeatureSet, validation: FeatureSet, folder: URL, wordEmbeddings: Matrix?
    ) throws -> EpochRecord? {
        let trainer = try Trainer(
            configuration: configuration, training: training, validation: validation, folder: folder, wordEmbeddings: wordEmbeddings)
        var bar: ProgressBar?
        var warnedOfCollapse = false
        let records = try trainer.run(
            resume: resume, stopAfter: stopAfter,
            onStep: { done, total, _ in
                if bar == nil { bar = ProgressBar(total: total, unit: "pairs") }
                bar?.set(done: done, total: total)
            },
            onEpoch: { record in
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
                        + (configuration.normalize ? "." : ", with L2-normalised outputs."))
                }
            })
        return records.filter(\.best).last
    }

    /// The Doc2Vec model of `--doc2vec`, else the run folder's, else one trained now on the training
    /// captions (captions preset) and saved into the run folder.
    func loadOrTrainDoc2Vec(dataset: Dataset, folder: URL) throws -> Doc2VecModel {
        if let doc2vec { return try Doc2VecModel.load(from: URL(fileURLWithPath: doc2vec)) }
        let own = folder.appendingPathComponent("doc2vec")
        if resume, FileManager.default.fileExists(atPath: own.appendingPathComponent("model.safetensors").path) {
            return try Doc2VecModel.load(from: own)
        }
        let captions = try dataset.captions(in: trainSplit)
        print("Doc2Vec (captions preset) on \(grouped(captions.count)) \(trainSplit) captions, for neighbourhoods and word embeddings")
        var configuration = Doc2VecConfiguration()
        configuration.seed = seed
        let model = try Doc2VecModel.train(texts: captions.map(\.text), ids: captions.map(\.id), configuration: configuration)
        try model.save(to: own)
        return model
    }

    /// Each training caption's first `pool` neighbours, as rows of the training captions.
    static func neighborLists(file: String, captionIDs: [String], pool: Int) throws -> [[Int]] {
        let (table, ids) = try NeighborTable.read(URL(fileURLWithPath: file))
        var row: [String: Int] = [:]
        for (index, id) in captionIDs.enumerated() { row[id] = index }
        var lists = [[Int]](repeating: [], count: captionIDs.count)
        var matched = 0
        for (item, id) in ids.enumerated() {
            guard let caption = row[id] else { continue }
            matched += 1
            lists[caption] = table.neighbors(of: item).compactMap { row[ids[$0.index]] }.prefix(pool).map { $0 }
        }
        guard matched > 0 else {
            throw ValidationError("\(file): none of its ids are training captions; build it from the \(captionIDs.first.map { "same split (ids like \($0))" } ?? "training split")")
        }
        return lists
    }
}

extension TrainingConfiguration.StoppingMetric: ExpressibleByArgument {}
extension TowerSpecification.Activation: ExpressibleByArgument {}

/// The text towers `train` can build.
enum TextTowerKind: String, ExpressibleByArgument, CaseIterable {
    /// A GRU over word embeddings started from Doc2Vec's word vectors.
    case gru
    /// An MLP over sentence features from `--text-encoder`.
    case mlp
}
