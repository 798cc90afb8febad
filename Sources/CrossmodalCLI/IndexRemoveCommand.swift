import ArgumentParser
import Foundation
import Pipeline
import Search

/// `crossmodal index remove`: take images (and their captions) out of an index.
struct IndexRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove images (and their captions) from an index by id.",
        discussion: "Removed rows stop matching at once; `crossmodal index compact` reclaims their space in a local index."
    )

    @Argument(help: "An index folder.") var index: String
    @Argument(help: "Image ids, as search results show them.") var ids: [String]

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let writer = try GalleryWriter(index: gallery)
        let removed = try writer.remove(imageIDs: ids)
        try writer.close()
        for id in removed { print("removed \(id)") }
        let missing = Set(ids).subtracting(removed)
        if !missing.isEmpty { warn("not in the index: \(missing.sorted().prefix(10).joined(separator: ", "))") }
    }
}

/// `crossmodal index compact`: rewrite a local index without its removed rows.
struct IndexCompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite a local index without the rows of removed images (safe to interrupt).")

    @Argument(help: "An index folder.") var index: String

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let writer = try GalleryWriter(index: gallery)
        guard let dropped = try writer.compact() else {
            try writer.close()
            print("a PostgreSQL index deletes removed rows as it goes; nothing to compact")
            return
        }
        print("compacted \(index): \(grouped(dropped.images)) image rows and \(grouped(dropped.captions)) caption rows dropped")
    }
}
