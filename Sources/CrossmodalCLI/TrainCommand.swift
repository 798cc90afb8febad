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

    @Option(help: "Training split (default: train).") var trainSplit: String?
    @Option(help: "Validation split, for model choice and early stopping (default: dev).") var validationSplit: String?
    @Option(help: "Image encoder (default: efficientnet-lite0).") var imageEncoder: ImageEncoderName?
    @Option(help: "Text encoder for an MLP text tower (default: minilm).") var textEncoder: TextEncoderName?
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
    @Option(help: "Random seed (default: 1).") var seed: UInt64?
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

    /// A change the command line makes to the preset's recipe.
    typealias Patch = (inout TrainingRecipe) throws -> Void

    /// `value` written at `path`, when the option was given.
    func patch<Value>(_ value: Value?, _ path: WritableKeyPath<TrainingRecipe, Value>) -> Patch? {
        value.map { value in { $0[keyPath: path] = value } }
    }

    /// `value` given to every tower through `path`, when the option was given.
    func towers<Value>(_ value: Value?, _ path: WritableKeyPath<TowerSpecification, Value>) -> Patch? {
        value.map { value in { recipe in recipe.training.towers { $0[keyPath: path] = value } } }
    }

    /// Every option that changes the recipe, in the order they apply: a loss before the negatives and the
    /// validation loss it implies (which an explicit --negatives or --validation-loss then replaces), the text
    /// tower before the towers' widths. An option not given keeps the preset's value.
    func patches() throws -> [Patch] {
        let weights = try self.weights.map { text -> ObjectiveWeights in
            guard let parsed = try? ObjectiveWeights(ordered: try ListParsing.numbers(text, option: "--weights")) else {
                throw ValidationError("--weights takes four numbers for i2t, sym, img, text, e.g. 1,1,0.3,0.2; got '\(text)'")
            }
            return parsed
        }
        let outputDropout = try self.outputDropout.map { text -> (Float, Float) in
            let rates = try ListParsing.numbers(text, option: "--output-dropout")
            guard (1...2).contains(rates.count) else {
                throw ValidationError("--output-dropout takes one rate or two (image,text), e.g. 0.5,0.1; got '\(text)'")
            }
            return (rates[0], rates[rates.count - 1])
        }
        let (loss, margin, temperature) = (self.loss, self.margin, self.temperature)
        let (textTower, finetuneBlocks, finetuneLearningRate, flip) = (self.textTower, self.finetuneBlocks, self.finetuneLearningRate, self.flip)
        let table: [Patch?] = [
            patch(trainSplit, \.trainSplit), patch(validationSplit, \.validationSplit),
            patch(imageEncoder, \.imageEncoder), patch(textEncoder, \.textEncoder),
            patch(doc2vecPreset, \.doc2vecPreset), patch(doc2vecMinCount, \.doc2vecMinCount), patch(firstSentences, \.firstSentences),
            patch(separate, \.separateDirections), patch(datasetOptions.fields, \.textFields),
            patch(weights, \.training.weights),
            loss.map { loss in { $0.use(loss: loss, margin: margin, temperature: temperature) } },
            patch(batchSize, \.training.batchSize), patch(learningRate, \.training.learningRate),
            patch(weightDecay, \.training.weightDecay), patch(embeddingDimension, \.training.embeddingDimension),
            textTower.map { kind in { $0.use(textTower: kind) } },
            towers(try hidden.map { try ListParsing.widths($0, option: "--hidden") }, \.hidden), towers(dropout, \.dropout),
            patch(normalize, \.training.normalize), towers(outputActivation, \.outputActivation),
            outputDropout.map { rates in { ($0.training.imageTower.outputDropout, $0.training.textTower.outputDropout) = rates } },
            patch(epochs, \.training.maxEpochs), patch(patience, \.training.patience), patch(stopOn, \.training.stopOn),
            patch(neighborPool, \.training.neighborPool), patch(plateauPatience, \.training.plateauPatience),
            patch(textNegatives, \.training.trainingSetTextNegatives),
            { try $0.useFinetuning(blocks: finetuneBlocks, learningRate: finetuneLearningRate, flip: flip) },
            patch(seed, \.training.seed),
        ]
        return table.compactMap { $0 } + (try fidelity.patches())
    }

    /// The preset's recipe with the options in place, validated.
    func recipe() throws -> TrainingRecipe {
        var recipe = preset.recipe
        do {
            for patch in try patches() { try patch(&recipe) }
            try recipe.training.validate()
        } catch let error as TrainingError {
            throw ValidationError(error.message)
        }
        return recipe
    }

    func validate() throws {
        _ = try recipe()
    }

    func run() throws {
        var request = TrainingRequest(
            recipe: try recipe(), dataset: try datasetOptions.load(), run: RunFolder(path: out), store: try modelOptions.store(),
            cache: modelOptions.cache)
        (request.doc2vec, request.neighbors, request.resume, request.stopAfter) = (doc2vec, neighbors, resume, stopAfter)
        request.strict = datasetOptions.strict
        let printer = EpochPrinter(normalized: request.recipe.training.normalize)
        let outcome = try RunTraining.run(
            request,
            events: TrainingEvents(
                observer: .console, stage: { print($0) }, step: { printer.step(done: $0, total: $1) }, epoch: printer.epoch))
        print(EpochPrinter.summary(outcome, folder: out))
    }
}
