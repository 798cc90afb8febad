import ArgumentParser
import Foundation
import Pipeline
import Search

/// `crossmodal index add`: put photos into an existing index.
struct IndexAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add photos (files or folders) to an index, embedding them with the index's run.",
        discussion: """
            Ids are paths relative to the photo folder the index was built from, when a photo lies inside it; otherwise a
            folder's photos get <folder name>/<relative path> and a lone file its name. Ids already in the index are left
            alone. Each batch is on disk before its ids are printed (`added ID`), so an interrupted run loses nothing it
            printed; run it again to add the rest.
            """
    )

    @Argument(help: "An index folder written by `crossmodal index build`.") var index: String
    @Argument(help: "Photo files (JPEG, PNG) or folders of them.") var paths: [String]
    @Option(help: "A file of id<TAB>caption lines for the new photos.") var captions: String?
    @Option(help: "Images embedded and committed together.") var batchSize = 32
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard !paths.isEmpty else { throw ValidationError("give at least one photo or folder") }
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let writer = try GalleryWriter(index: gallery)
        let outcome = try PhotoGallery.add(
            paths: paths.map { URL(fileURLWithPath: $0) }, captions: captions.map { URL(fileURLWithPath: $0) }, to: gallery,
            writer: writer, store: try model.store(), batchSize: batchSize, observer: .console,
            // Written straight to the descriptor, not buffered: a printed id is a promise that it is on disk.
            acknowledged: { id in FileHandle.standardOutput.write(Data("added \(id)\n".utf8)) })
        try writer.close()
        warn("\(grouped(outcome.added)) added, \(grouped(outcome.unchanged)) already in the index, \(grouped(outcome.skipped.count)) skipped")
        if !outcome.skipped.isEmpty { warn("skipped: \(SkippedFile.summary(outcome.skipped))") }
        if outcome.added + outcome.unchanged == 0, !outcome.skipped.isEmpty {
            throw NothingIndexed(source: paths.count == 1 ? paths[0] : "the \(paths.count) paths given", skipped: outcome.skipped)
        }
    }
}
