import ArgumentParser
import Foundation
import Pipeline
import Training

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
    @Option(help: "Settings of the Doc2Vec model train trains itself: captions, or reference (PV-DM, the first work's); default: the preset's.")
    var doc2vecPreset: Doc2VecPreset?
    @Option(help: "min_count of that Doc2Vec model (default: the preset's).") var doc2vecMinCount: Int?
    @Option(help: "Keep only each text's first N sentences for that Doc2Vec model (2 suits news articles).") var firstSentences: Int?
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
    @Flag(inversion: .prefixedNo, help: "L2-normalise the towers' outputs (default: the preset's; the second work's code does not).")
    var normalize: Bool?
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
    @Option(help: "Fine-tune the image network's last N blocks and head (0: frozen features, the default).")
    var finetuneBlocks: Int?
    @Option(help: "Adam learning rate of the fine-tuned blocks (default 1e-5).") var finetuneLearningRate: Float?
    @Flag(inversion: .prefixedNo, help: "Flip training images left–right at random when fine-tuning (default: on).")
    var flip: Bool?
    @Flag(help: "Continue from the run folder's last checkpoint.") var resume = false
    @OptionGroup(title: "The two works' elements (docs/fidelity.md)") var fidelity: FidelityOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Stop after this many epochs in this invocation (the run can be resumed).") var stopAfter: Int?
    @Flag(inversion: .prefixedNo, help: "Train separate image→text and text→image models (default: on for triplet-networks).")
    var separate: Bool?

    /// The options as settings over the preset's.
    func overrides() throws -> TrainingOverrides {
        var o = TrainingOverrides()
        if let weights {
            let values = try ListParsing.numbers(weights, option: "--weights")
            guard let parsed = try? ObjectiveWeights(ordered: values) else {
                throw ValidationError("--weights takes four numbers for i2t, sym, img, text, e.g. 1,1,0.3,0.2; got '\(weights)'")
            }
            o.weights = parsed
        }
        if let outputDropout {
            let rates = try ListParsing.numbers(outputDropout, option: "--output-dropout")
            guard (1...2).contains(rates.count) else {
                throw ValidationError("--output-dropout takes one rate or two (image,text), e.g. 0.5,0.1; got '\(outputDropout)'")
            }
            o.outputDropout = (rates[0], rates[rates.count - 1])
        }
        o.hidden = try hidden.map { try ListParsing.widths($0, option: "--hidden") }
        (o.loss, o.margin, o.temperature, o.batchSize, o.learningRate) = (loss, margin, temperature, batchSize, learningRate)
        (o.weightDecay, o.embeddingDimension, o.dropout, o.outputActivation) = (weightDecay, embeddingDimension, dropout, outputActivation)
        (o.textTower, o.epochs, o.patience, o.stopOn, o.neighborPool) = (textTower, epochs, patience, stopOn, neighborPool)
        (o.plateauPatience, o.textNegatives, o.seed) = (plateauPatience, textNegatives, seed)
        o.normalize = normalize
        (o.finetuneBlocks, o.finetuneLearningRate, o.flip) = (finetuneBlocks, finetuneLearningRate, flip)
        try fidelity.apply(to: &o)
        return o
    }

    /// The resolved configuration.
    func trainingConfiguration() throws -> TrainingConfiguration {
        do {
            return try overrides().configuration(from: preset)
        } catch let error as TrainingError {
            throw ValidationError(error.message)
        }
    }

    func validate() throws {
        _ = try trainingConfiguration()
    }

    func run() throws {
        let configuration = try trainingConfiguration()
        var request = TrainingRequest(
            dataset: try datasetOptions.load(), preset: preset, configuration: configuration,
            run: RunFolder(path: out), separateDirections: separate ?? preset.separateDirections,
            store: try modelOptions.store(), cache: modelOptions.cache)
        (request.trainSplit, request.validationSplit) = (trainSplit, validationSplit)
        (request.imageEncoder, request.textEncoder) = (imageEncoder, textEncoder)
        (request.doc2vec, request.neighbors, request.resume, request.stopAfter) = (doc2vec, neighbors, resume, stopAfter)
        (request.doc2vecMinCount, request.firstSentences) = (doc2vecMinCount, firstSentences)
        if let doc2vecPreset { request.doc2vecPreset = doc2vecPreset }
        request.neighborSource = try fidelity.neighborSource(preset.neighborSource)
        (request.strict, request.textFields) = (datasetOptions.strict, datasetOptions.fields)
        let printer = EpochPrinter(normalized: request.configuration.normalize)
        let outcome = try RunTraining.run(
            request,
            events: TrainingEvents(
                observer: .console, stage: { print($0) }, step: { printer.step(done: $0, total: $1) }, epoch: printer.epoch))
        print(EpochPrinter.summary(outcome, folder: out))
    }
}
