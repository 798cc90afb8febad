import ArgumentParser
import Encoders
import Foundation
import Pipeline
import Search

/// `crossmodal search`: query an index from the command line.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index: text→image (--text), image→text (--image) or image→image (--image --images).")

    @Argument(help: "An index folder written by `crossmodal index build`.")
    var index: String

    @Option(help: "A text query: find the matching images.") var text: String?
    @Option(help: "An image file (JPEG, PNG, WebP, GIF, HEIC or AVIF): find the matching captions, or with --images the similar images.") var image: String?
    @Flag(help: "With --image: return similar images instead of captions.") var images = false
    @Option(name: .short, help: "How many results (1–1000).") var k = 10
    @Flag(help: "Print the results as JSON.") var json = false
    @OptionGroup var weights: WeightsOptions
    @Option(help: "Largest query image in pixels (width × height as stored).") var maxPixels = DecodeLimits.defaultMaxPixels
    @Option(help: "Show text↔image results whose match probability reaches this (0–1; default: the run's, 0.5 = even odds). 0 shows all.")
    var minProbability: Double?
    @Option(help: "Only images whose file lies under this folder (relative to the gallery's photo folder, or absolute).")
    var folder: String?
    @Option(help: "Only photos taken on or after this day (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SS): the EXIF date, else the file's time.")
    var takenFrom: String?
    @Option(help: "Only photos taken on or before this day (through its end) or time.")
    var takenTo: String?

    /// The folder and dates asked for.
    var filter: ImageFilter {
        get throws {
            do {
                let (from, before) = try ImageFilter.dates(from: takenFrom, to: takenTo)
                return ImageFilter(folder: folder, takenFrom: from, takenBefore: before)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    func validate() throws {
        guard (text == nil) != (image == nil) else { throw ValidationError("give exactly one of --text or --image") }
        guard (1...1000).contains(k) else { throw ValidationError("-k must be between 1 and 1000") }
        if images, image == nil { throw ValidationError("--images goes with --image") }
        if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--text is empty") }
        if let minProbability, !(0...1).contains(minProbability) { throw ValidationError("--min-probability must be between 0 and 1") }
        if folder != nil || takenFrom != nil || takenTo != nil, image != nil, !images {
            throw ValidationError("--folder, --taken-from and --taken-to filter images: use them with --text, or with --image --images")
        }
        _ = try filter
        if minProbability != nil, images { throw ValidationError("--min-probability applies to text↔image searches, not image→image (--images)") }
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let encoder = try QueryEncoder(modelFolder: gallery.modelFolder, store: weights.store(), observer: .console)
        var limits = encoder.decodeLimits
        limits.maxPixels = maxPixels
        let cut: RelevanceCut
        var unknown: [String]?
        do {
            if let text {
                unknown = encoder.words(of: text)?.unknown
                let results = try gallery.images(matchingText: encoder.embed(text: text), k: k, where: filter)
                cut = try RelevanceCut.images(results, in: gallery, calibration: encoder.calibration, minProbability: minProbability)
            } else {
                let query = try encoder.embed(image: RGBImage.loadUpright(URL(fileURLWithPath: image!), limits: limits))
                cut = images
                    ? try RelevanceCut.apply(gallery.images(similarToImage: query, k: k, where: filter), calibration: nil, minProbability: nil)
                    : try RelevanceCut.captions(
                        gallery.captions(matchingImage: query, k: k), query: query, calibration: encoder.imageQueryCalibration,
                        minProbability: minProbability)
            }
        } catch let error as SearchError {
            throw ValidationError(error.message)
        }
        if json {
            print(String(decoding: try prettyJSON(SearchOutput(cut, unknownWords: unknown)), as: UTF8.self))
            return
        }
        if let unknown, !unknown.isEmpty {
            print("note: the model does not know \(unknown.map { "“\($0)”" }.joined(separator: ", ")) and searched without \(unknown.count == 1 ? "it" : "them")")
        }
        var shown = cut.results
        if cut.noGoodMatch, let threshold = cut.minProbability {
            print(String(format: "no good match: no result reaches match probability %.3f (--min-probability). The nearest:", threshold))
            shown = cut.nearest
        }
        let probabilities = shown.contains { $0.matchProbability != nil }
        var rows = [["rank", "score"] + (probabilities ? ["match"] : []) + ["id", shown.first?.kind == "caption" ? "caption" : "first caption"]]
        for (rank, result) in shown.enumerated() {
            rows.append(
                ["\(rank + 1)", String(format: "%.4f", result.score)]
                    + (probabilities ? [result.matchProbability.map { String(format: "%.2f", $0) } ?? ""] : [])
                    + [result.id, result.text ?? result.captions?.first ?? ""])
        }
        print(TextTable.render(rows, rightAligned: probabilities ? [0, 1, 2] : [0, 1]).joined(separator: "\n"))
        if !cut.noGoodMatch, cut.results.count < k, cut.minProbability != nil, !cut.results.isEmpty {
            print(String(format: "(%d of the %d nearest reach match probability %.3f)", cut.results.count, k, cut.minProbability ?? 0))
        }
    }
}

/// What `search --json` prints.
struct SearchOutput: Encodable {
    var results: [SearchResult]
    /// A text query's words the model left out (a closed-vocabulary run only).
    var unknownWords: [String]?
    /// Whether no result reached the minimum match probability.
    var noGoodMatch: Bool?
    /// Then, the nearest results (below it).
    var nearest: [SearchResult]?
    /// The minimum match probability applied (calibrated runs only).
    var minProbability: Double?

    init(_ cut: RelevanceCut, unknownWords: [String]?) {
        results = cut.results
        self.unknownWords = unknownWords
        (noGoodMatch, nearest, minProbability) = cut.answerFields
    }

    enum CodingKeys: String, CodingKey {
        case results
        case unknownWords = "unknown_words"
        case noGoodMatch = "no_good_match"
        case nearest
        case minProbability = "min_probability"
    }
}
