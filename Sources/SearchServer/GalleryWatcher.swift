import Foundation
import SafeFiles
import Search

/// The search service of a server that does not write its gallery itself, following the changes other
/// processes make (`index add`, `index remove`, `index compact`, a refresh by `index build`, even a
/// folder replaced whole): at most once per ``interval`` it looks at `index.json`, which every change
/// replaces last, and when it differs it opens the index again and switches to it.
///
/// Each request answers from one ``SearchAPI`` taken at its start, so it sees the gallery before a change
/// or after it, never between. The reopening runs on one request's thread while the others go on
/// with the gallery they had; a reopening that fails (a compaction removing files under it, say) keeps
/// the old gallery and is tried again at the next look.
public final class GalleryWatcher: @unchecked Sendable {
    /// Opens the index folder again. Returns the new index and, when the model differs from the one
    /// serving (another run), its query embedder; nil keeps the current one.
    public typealias Reopen = @Sendable (_ previous: GalleryIndex) throws -> (GalleryIndex, (any QueryEmbedding)?)

    private let lock = NSLock()
    private var api: SearchAPI
    private let reopen: Reopen
    private let manifest: String
    private var lastLook = 0.0
    private var reopening = false
    /// The manifest last found unopenable, so a lasting failure is logged once.
    private var failedStamp: FileStamp?
    /// Seconds between two looks at the manifest.
    public let interval: Double
    /// Called with a line for the log after each switch or failed reopening.
    private let log: @Sendable (String) -> Void

    /// Serves `api` and follows its index folder.
    public init(api: SearchAPI, interval: Double = 1, log: @escaping @Sendable (String) -> Void = { _ in }, reopen: @escaping Reopen) {
        self.api = api
        self.reopen = reopen
        self.interval = interval
        self.log = log
        manifest = api.gallery.folder.appendingPathComponent(IndexManifest.fileName).path
    }

    /// The service as it is now, after a look at the manifest when one is due.
    public var current: SearchAPI {
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        lock.lock()
        let serving = api
        guard !reopening, now - lastLook >= interval else {
            lock.unlock()
            return serving
        }
        lastLook = now
        // Compared with the manifest the serving index was opened from: a change made while the server was
        // starting is seen at the first look.
        let seen = FileStamp(path: manifest)
        guard seen != serving.gallery.manifestStamp, seen != nil else {
            lock.unlock()
            return serving
        }
        reopening = true
        lock.unlock()
        var next = serving
        do {
            let (index, embedder) = try reopen(serving.gallery)
            next = serving.replacing(index: index, embedder: embedder)
            log("the gallery changed on disk: now \(index.catalog.liveImageCount) images, \(index.catalog.liveCaptionCount) captions")
        } catch {
            if lock.withLock({ failedStamp != seen }) {
                log("the gallery changed on disk but could not be opened again (\(error)); still serving the earlier state")
            }
            lock.withLock { failedStamp = seen }
        }
        lock.withLock {
            api = next
            reopening = false
        }
        return next
    }

    /// Answers one request from the service as it is now.
    public func handle(_ request: HTTPRequest) -> HTTPResponse { current.handle(request) }
}
