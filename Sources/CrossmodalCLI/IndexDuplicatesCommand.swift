import ArgumentParser
import Foundation
import Pipeline
import Search

/// `crossmodal index duplicates`: groups of near-duplicate photos in a gallery.
struct IndexDuplicatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract: "List groups of near-duplicate photos (image vectors with cosine similarity at or above --min-similarity).",
        discussion: "Bursts, edits and copies of one photo land in one group; a group joins photos transitively. Nothing is changed.")

    @Argument(help: "An index folder written by `crossmodal index build`.") var index: String
    @Option(help: "The similarity two photos need to count as duplicates (0–1].") var minSimilarity: Float = GalleryIndex.defaultDuplicateSimilarity
    @Flag(help: "Print the groups as JSON.") var json = false

    func validate() throws {
        guard minSimilarity > 0, minSimilarity <= 1 else { throw ValidationError("--min-similarity must be in (0, 1]") }
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let groups: [GalleryIndex.DuplicateGroup]
        do {
            groups = try gallery.duplicateGroups(minSimilarity: minSimilarity)
        } catch {
            throw ValidationError(error.message)
        }
        if json {
            print(String(decoding: try prettyJSON(groups), as: UTF8.self))
            return
        }
        guard !groups.isEmpty else {
            print(String(format: "no near-duplicates at similarity %.2f among %@ photos", minSimilarity, grouped(gallery.catalog.liveImageCount)))
            return
        }
        for (number, group) in groups.enumerated() {
            print(String(format: "group %d: %d photos (similarity ≥ %.3f)", number + 1, group.ids.count, group.minSimilarity))
            for (id, path) in zip(group.ids, group.paths) { print("  \(id)  \(path)") }
        }
        print("\(groups.count) group\(groups.count == 1 ? "" : "s"), \(groups.reduce(0) { $0 + $1.ids.count }) photos")
    }
}
