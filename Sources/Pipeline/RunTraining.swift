import Datasets
import Encoders
import Foundation
import Neighbors
import Numerics
import TextModels
import Training

/// A training run from a dataset to a finished run folder: Doc2Vec and neighbourhoods when the
/// objective or the GRU needs them, features of both splits, `config.json`, then one joint model or
/// the two direction models.
public enum RunTraining {
    /// The best epochs: one for a joint run, one per direction otherwise (nil for a model that ran no epoch).
    public enum Outcome {
        case joint(EpochRecord?)
        case separate(imageToText: EpochRecord?, textToImage: EpochRecord?)
    }

    /// Runs `request`, reporting through `events`.
    public static func run(_ request: TrainingRequest, events: TrainingEvents = .silent) throws -> Outcome {
        let recipe = request.recipe
        var configuration = recipe.training
        let folder = request.run
        try folder.create()
        let needsNeighbors = configuration.weights.usesNeighbors
        let doc2vecModel = recipe.usesGRU || (needsNeighbors && request.neighbors == nil)
            ? try loadOrTrainDoc2Vec(request, events: events) : nil

        // Fine-tuning: the tail's shape goes into the configuration, its pretrained weights into the trainers,
        // and the features become the maps before it (with mirrors for training).
        var imageNetwork: [String: Matrix] = [:]
        var trainingStage = ImageFeatureStage.pooled
        if var finetuning = configuration.imageFinetuning {
            let (architecture, weights) = try request.store.loadEfficientNet(recipe.imageEncoder.variant).finetuningTail(blocks: finetuning.blocks)
            finetuning.architecture = architecture
            configuration.imageFinetuning = finetuning
            try configuration.validate()
            imageNetwork = weights
            trainingStage = .maps(beforeLast: finetuning.blocks, mirrors: finetuning.flip)
        }
        func features(_ split: String, stage: ImageFeatureStage) throws -> SplitFeatures {
            try SplitFeatures.extract(
                dataset: request.dataset, split: split, imageEncoder: recipe.imageEncoder, textEncoder: recipe.textEncoder,
                tokensFrom: recipe.usesGRU ? doc2vecModel : nil, tokens: configuration.tokenSettings, store: request.store,
                cache: request.cache,
                strict: request.strict, imageStage: stage, observer: events.observer)
        }
        events.stage("features: \(recipe.imageEncoder.rawValue) images"
            + (configuration.imageFinetuning.map { f in
                " (the maps before its last \(f.blocks) blocks\(f.flip ? ", and of each image's mirror" : ""), for fine-tuning)" } ?? "")
            + ", " + (recipe.usesGRU ? "Doc2Vec-vocabulary token ids for the GRU" : "\(recipe.textEncoder.rawValue) captions")
            + " (cached after the first run)")
        let trainingSplit = try features(recipe.trainSplit, stage: trainingStage)
        var training = try trainingSplit.featureSet()
        let validationFeatures = try features(recipe.validationSplit, stage: .evaluation(finetuning: configuration.imageFinetuning?.blocks))
        let validation = try validationFeatures.featureSet()
        if let finetuning = configuration.imageFinetuning, let architecture = finetuning.architecture {
            let bytes = (training.imageFeatures.values.count + validation.imageFeatures.values.count) * MemoryLayout<Float>.size
            events.stage("image maps in memory: \(grouped(training.imageFeatures.rows + validation.imageFeatures.rows)) images × "
                + "\(architecture.height)×\(architecture.width)×\(architecture.channels)\(finetuning.flip ? " (training images twice, with mirrors)" : "")"
                + " = \(FeatureExtraction.formatBytes(bytes)); training the last \(finetuning.blocks) blocks and the head at learning rate "
                + "\(finetuning.learningRate)")
        }

        var neighborFile = request.neighbors.map { URL(fileURLWithPath: $0) }
        if needsNeighbors {
            // A resumed run reads the lists it wrote before, so its neighbours are those its checkpoints were trained with.
            if neighborFile == nil, request.resume, FileManager.default.fileExists(atPath: folder.neighborsFile.path) {
                events.stage("neighbourhoods: reusing \(folder.neighborsFile.lastPathComponent) of the run being resumed")
                neighborFile = folder.neighborsFile
            }
            if neighborFile == nil, let model = doc2vecModel {
                let table = try neighbors(of: model, request: request, events: events)
                try table.write(
                    to: folder.neighborsFile, ids: model.documentIDs,
                    metadata: ["source": "doc2vec", "vectors": recipe.neighborSource.vectors.rawValue, "search": recipe.neighborSource.search.rawValue])
                neighborFile = folder.neighborsFile
            }
            guard let neighborFile else { throw PipelineError("L_img and L_text need neighbourhoods: give --neighbors or let train compute them") }
            training = try trainingSplit.featureSet(
                neighbors: try NeighborLists.read(
                    file: neighborFile, captionIDs: trainingSplit.captions.map(\.id), pool: configuration.neighborPool))
        }

        // The models to train: one joint model, or (the second work's setup) one for image→text only and
        // one for text→image only, each direction scored with its own model.
        var jobs: [(label: String?, configuration: TrainingConfiguration, folder: ModelFolder)] = [(nil, configuration, folder.jointModel)]
        if recipe.separateDirections {
            var i2t = configuration, t2i = configuration
            i2t.weights = ObjectiveWeights(imageToText: 1, image: configuration.weights.image)
            t2i.weights = ObjectiveWeights(textToImage: 1, text: configuration.weights.text)
            jobs = [
                ("image→text model (run/\(RunFolder.directionFolders.imageToText)):", i2t, folder.imageToTextModel),
                ("text→image model (run/\(RunFolder.directionFolders.textToImage)):", t2i, folder.textToImageModel),
            ]
        }
        let embeddings = recipe.usesGRU
            ? doc2vecModel.map { GRUInput.embeddings($0, settings: configuration.tokenSettings, seed: configuration.seed) } : nil
        let trainers = try jobs.map { job in
            try Trainer(
                configuration: job.configuration, training: training, validation: validation, folder: job.folder.url,
                wordEmbeddings: embeddings, imageNetwork: imageNetwork)
        }
        // A checkpoint that cannot be resumed stops the run before anything in the folder changes.
        if request.resume { for trainer in trainers { try trainer.checkResumable() } }

        let trainedDoc2Vec = doc2vecModel != nil && request.doc2vec == nil
        let description = RunDescription(
            recipe, dataset: request.dataset.source.path, training: configuration,
            doc2vec: doc2vecModel == nil
                ? nil : (request.doc2vec.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? folder.doc2vecFolder.lastPathComponent),
            trainedDoc2Vec: trainedDoc2Vec, neighbors: neighborFile?.path, foundNeighbors: needsNeighbors && request.neighbors == nil)
        try description.write(to: folder)

        events.stage("training \(recipe.preset.rawValue) on \(grouped(training.textFeatures.rows)) pairs, validating on "
            + "\(grouped(validation.textFeatures.rows)) captions / \(grouped(validation.imageFeatures.rows)) images")
        var best: [EpochRecord?] = []
        for (job, trainer) in zip(jobs, trainers) {
            if let label = job.label { events.stage(label) }
            let records = try trainer.run(
                resume: request.resume, stopAfter: request.stopAfter, onStep: { done, total, _ in events.step(done, total) },
                onEpoch: events.epoch)
            best.append(records.last(where: \.best))
        }
        try calibrate(
            folder, validation: validationFeatures, split: recipe.validationSplit, store: request.store, seed: configuration.seed, events: events)
        return recipe.separateDirections ? .separate(imageToText: best[0], textToImage: best[1]) : .joint(best[0])
    }

    /// Fits the best checkpoints' calibration (score → match probability) on the validation split and writes
    /// it into the run folder; a run without a best checkpoint yet (an empty `--stop-after`) gets none.
    static func calibrate(
        _ folder: RunFolder, validation: SplitFeatures, split: String, store: ModelStore, seed: UInt64, events: TrainingEvents
    ) throws {
        let run = try TrainedRun.open(folder.url.path)
        guard run.models.allSatisfy({ $0.folder.hasBestCheckpoint }) else { return }
        let (i2t, t2i) = try run.embed(validation)
        let calibration = try RunCalibration.fit(
            EmbeddedSplit(run: run, split: split, features: validation, imageToText: i2t, textToImage: t2i, store: store), seed: seed)
        try RunCalibration.write(calibration, to: folder)
        events.stage(String(
            format: "calibration: match probability fitted on %@ (%d results that were the text's image, %d that were not); held-out "
                + "expected calibration error %.3f; a result needs probability %.3f (%@ %@) to count as a match",
            split, calibration.positives, calibration.negatives, calibration.expectedCalibrationError, calibration.minProbability, calibration.scoreName,
            calibration.score(atProbability: calibration.minProbability).map { String(format: "%.3f", $0) } ?? "n/a"))
    }

    /// The Doc2Vec model of `--doc2vec`, else the run folder's (when resuming), else one trained now on
    /// the training captions (the request's preset and settings, the run's seed) and saved into the run folder.
    ///
    /// A GRU text tower starts from the model's word vectors, so they must have been trained: a PV-DBOW
    /// model without word training is refused, and the model `train` makes itself then trains words too.
    static func loadOrTrainDoc2Vec(_ request: TrainingRequest, events: TrainingEvents) throws -> Doc2VecModel {
        let recipe = request.recipe
        if let doc2vec = request.doc2vec {
            let model = try Doc2VecModel.load(from: URL(fileURLWithPath: doc2vec))
            if recipe.usesGRU { try checkWordVectors(model, folder: doc2vec) }
            return model
        }
        let own = request.run.doc2vecFolder
        if request.resume, FileManager.default.fileExists(atPath: own.appendingPathComponent("model.safetensors").path) {
            return try Doc2VecModel.load(from: own)
        }
        let captions = try request.dataset.captions(in: recipe.trainSplit)
        let configuration = recipe.doc2vecConfiguration
        events.stage("Doc2Vec (\(recipe.doc2vecPreset.rawValue) preset, \(configuration.mode.rawValue)"
            + (configuration.mode == .pvdbow && configuration.dbowWords ? " with word training" : "")
            + ", min_count \(configuration.minCount)) on \(grouped(captions.count)) \(recipe.trainSplit) captions, for "
            + (recipe.usesGRU ? "neighbourhoods and the GRU's word embeddings" : "neighbourhoods"))
        let model = try Doc2VecModel.train(texts: captions.map(\.text), ids: captions.map(\.id), configuration: configuration)
        try model.save(to: own)
        return model
    }

    /// Each training caption's neighbours as the request's source says: over the trained or re-inferred
    /// Doc2Vec vectors, by cosine or L2 distance, exactly or through an HNSW graph.
    static func neighbors(of model: Doc2VecModel, request: TrainingRequest, events: TrainingEvents) throws -> NeighborTable {
        let recipe = request.recipe
        let source = recipe.neighborSource
        var vectors = model.documentVectors
        if source.vectors == .inferred {
            let texts = try request.dataset.captions(in: recipe.trainSplit)
            var byID: [String: String] = [:]
            for caption in texts { byID[caption.id] = caption.text }
            let ids = model.documentIDs
            events.stage("inferring Doc2Vec vectors of \(grouped(ids.count)) training captions again, for their neighbours")
            let inferred = events.observer.step("captions", total: ids.count) { counter in
                Parallel.map(ids.count) { row in
                    defer { counter.advance() }
                    return model.infer(byID[ids[row]] ?? "")
                }
            }
            vectors = try Matrix(rows: ids.count, columns: model.configuration.vectorSize, values: inferred.flatMap { $0 })
        }
        let k = max(source.k, recipe.training.neighborPool)
        switch source.search {
        case .exact: return try ExactNeighbors.search(vectors, k: k, metric: source.metric)
        case .hnsw: return try ApproximateNeighbors.search(vectors, k: k, metric: source.metric)
        }
    }

    /// Refuses a model whose word vectors never left their random start.
    static func checkWordVectors(_ model: Doc2VecModel, folder: String) throws {
        guard model.configuration.trainsWordVectors else {
            throw PipelineError("\(folder): its word vectors were never trained (PV-DBOW without word training), so a GRU "
                + "cannot start from them; give a PV-DM model (`doc2vec train --mode pv-dm`) or one trained with --dbow-words")
        }
    }
}
