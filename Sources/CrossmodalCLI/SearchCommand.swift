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
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "Largest query image in pixels (width × height as stored).") var maxPixels = DecodeLimits.defaultMaxPixels

    func validate() throws {
        guard (text == nil) != (image == nil) else { throw ValidationError("give exactly one of --text or --image") }
        guard (1...1000).contains(k) else { throw ValidationError("-k must be between 1 and 1000") }
        if images, image == nil { throw ValidationError("--images goes with --image") }
        if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--text is empty") }
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let encoder = try QueryEncoder(modelFolder: gallery.modelFolder, store: ModelStore.locate(explicit: models), observer: .console)
        var limits = encoder.decodeLimits
        limits.maxPixels = maxPixels
        let results: [SearchResult]
        var unknown: [String]?
        if let text {
            unknown = encoder.words(of: text)?.unknown
            results = try gallery.images(matchingText: encoder.embed(text: text), k: k)
        } else {
            let query = try encoder.embed(image: RGBImage.loadUpright(URL(fileURLWithPath: image!), limits: limits))
            results = images ? try gallery.images(similarToImage: query, k: k) : try gallery.captions(matchingImage: query, k: k)
        }
        if json {
            print(String(decoding: try prettyJSON(SearchOutput(results: results, unknownWords: unknown)), as: UTF8.self))
            return
        }
        if let unknown, !unknown.isEmpty {
            print("note: the model does not know \(unknown.map { "“\($0)”" }.joined(separator: ", ")) and searched without \(unknown.count == 1 ? "it" : "them")")
        }
        var rows = [["rank", "score", "id", results.first?.kind == "caption" ? "caption" : "first caption"]]
        for (rank, result) in results.enumerated() {
            rows.append(["\(rank + 1)", String(format: "%.4f", result.score), result.id, result.text ?? result.captions?.first ?? ""])
        }
        print(TextTable.render(rows, rightAligned: [0, 1]).joined(separator: "\n"))
    }
}

/// What `search --json` prints.
struct SearchOutput: Encodable {
    var results: [SearchResult]
    /// A text query's words the model left out (a closed-vocabulary run only).
    var unknownWords: [String]?

    enum CodingKeys: String, CodingKey {
        case results
        case unknownWords = "unknown_words"
    }
}
