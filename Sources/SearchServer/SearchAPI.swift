import Evaluation
import Foundation
import Numerics
import SafeFiles
import Search

/// The HTTP routes of `crossmodal serve`: the JSON API, the search page and the gallery's images.
///
/// Every error is JSON, `{"error": {"status": …, "message": …}}`, with the matching status. Image files
/// are found only through the catalogue, so no request path can name a file outside the gallery.
public struct SearchAPI: Sendable {
    let index: GalleryIndex
    let embedder: any QueryEmbedding
    let limits: ServiceLimits
    let pool: ComputePool
    let imagePool: ComputePool
    let textCache: TextEmbeddingCache
    let updates: (any GalleryUpdates)?
    let writeToken: WriteToken?

    /// Serves `index`, embedding queries with `embedder`, within `limits`. With `updates` and `writeToken`,
    /// `POST /api/images` and `DELETE /api/images/{id}` change the gallery for requests bearing the token.
    public init(
        index: GalleryIndex, embedder: any QueryEmbedding, limits: ServiceLimits = .init(), updates: (any GalleryUpdates)? = nil,
        writeToken: WriteToken? = nil
    ) {
        self.index = index
        self.embedder = embedder
        self.limits = limits
        self.updates = writeToken == nil ? nil : updates
        self.writeToken = updates == nil ? nil : writeToken
        pool = ComputePool(width: ProcessInfo.processInfo.activeProcessorCount, maxWait: limits.maxQueueSeconds)
        imagePool = ComputePool(width: limits.imageWidth, maxWait: limits.maxQueueSeconds)
        textCache = TextEmbeddingCache(capacity: 4096)
    }

    private init(_ other: SearchAPI, index: GalleryIndex, embedder: (any QueryEmbedding)?) {
        self.index = index
        self.embedder = embedder ?? other.embedder
        limits = other.limits
        pool = other.pool
        imagePool = other.imagePool
        // Cached text embeddings belong to the model that made them.
        textCache = embedder == nil ? other.textCache : TextEmbeddingCache(capacity: 4096)
        updates = other.updates
        writeToken = other.writeToken
    }

    /// The same service over a reopened index (and, when the model changed, its new query embedder);
    /// the compute slots are shared, so the server's limits hold across the switch.
    public func replacing(index: GalleryIndex, embedder: (any QueryEmbedding)?) -> SearchAPI {
        SearchAPI(self, index: index, embedder: embedder)
    }

    /// The index this service answers from.
    public var gallery: GalleryIndex { index }

    /// An error answer.
    struct Failure: Error {
        let status: Int
        let message: String
        var headers: [(String, String)] = []
    }

    /// Answers one request (on a worker thread); every error becomes a JSON error answer.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return try route(request)
        } catch let failure as Failure {
            return .error(failure.status, failure.message, headers: failure.headers)
        } catch let bad as BadQuery {
            return .error(400, bad.message)
        } catch let conflict as GalleryConflict {
            return .error(409, "the gallery already holds an image \(conflict.id.prefix(200)); remove it first or choose another id")
        } catch is ComputePool.Busy {
            return .error(503, "the server is busy; try again shortly", headers: [("Retry-After", "1")])
        } catch is DeadlineExceeded {
            return .error(503, "the request took longer than \(limits.requestSeconds) s and was stopped; try again shortly", headers: [("Retry-After", "1")])
        } catch let error as SearchError {
            return .error(500, error.message)
        } catch {
            return .error(500, "\(error)")
        }
    }

    private func route(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = request.path
        func allow(_ methods: String...) throws {
            guard methods.contains(request.method) else {
                throw Failure(
                    status: 405, message: "\(request.method.prefix(20)) is not allowed on \(path.prefix(200)); use \(methods.joined(separator: " or "))",
                    headers: [("Allow", methods.joined(separator: ", "))])
            }
        }
        switch path {
        case "/", "/index.html":
            try allow("GET", "HEAD")
            return HTTPResponse(
                status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: Data(SearchPage.html(writable: updates != nil).utf8))
        case "/healthz":
            try allow("GET", "HEAD")
            let catalog = index.catalog
            return try Self.json(Health(
                status: "ok", images: catalog.liveImageCount, captions: catalog.liveCaptionCount, backend: index.manifest.backend,
                writable: updates != nil))
        case "/api/images":
            try allow("POST")
            return try addImage(request)
        case "/api/search":
            try allow("GET")
            return try searchByQueryString(request)
        case "/api/search/image":
            try allow("POST")
            return try searchByUpload(request)
        default:
            if let id = path.dropPrefix("/api/items/") {
                try allow("GET")
                return try item(id)
            }
            if let id = path.dropPrefix("/api/images/") {
                try allow("GET", "HEAD", "DELETE")
                return request.method == "DELETE" ? try removeImage(id, request) : try imageFile(id)
            }
            throw Failure(status: 404, message: "no route \(path.prefix(200)); see GET / for the page and /api/search?text=… for the API")
        }
    }

    // MARK: - Search

    private func k(_ request: HTTPRequest) throws -> Int {
        guard let text = request.query["k"] else { return 10 }
        guard let value = Int(text), (1...limits.maxK).contains(value) else {
            throw Failure(status: 400, message: "k must be an integer from 1 to \(limits.maxK), not \(text.prefix(40))")
        }
        return value
    }

    /// The `min_probability` asked for, if any: a number from 0 to 1.
    private func minProbability(_ request: HTTPRequest) throws -> Double? {
        guard let text = request.query["min_probability"] else { return nil }
        guard let value = Double(text), (0...1).contains(value) else {
            throw Failure(status: 400, message: "min_probability must be a number from 0 to 1, not \(text.prefix(40))")
        }
        return value
    }

    /// The `folder`, `taken_from` and `taken_to` filter asked for (checked: a bad one is a 400).
    private func filter(_ request: HTTPRequest) throws -> ImageFilter {
        func given(_ name: String) -> String? { request.query[name].flatMap { $0.isEmpty ? nil : $0 } }
        do {
            let (from, before) = try ImageFilter.dates(from: given("taken_from"), to: given("taken_to"))
            let filter = ImageFilter(folder: given("folder"), takenFrom: from, takenBefore: before)
            try index.check(filter)
            return filter
        } catch {
            throw Failure(status: 400, message: error.message)
        }
    }

    /// Results with their match probabilities, cut at the asked or default threshold (`body` runs the cut;
    /// it reads the images' vectors, so it runs in a compute slot); a cut the query cannot have is a 400.
    private func cut(_ body: () throws(SearchError) -> RelevanceCut) throws -> RelevanceCut {
        do {
            return try body()
        } catch {
            throw Failure(status: 400, message: error.message)
        }
    }

    private func searchByQueryString(_ request: HTTPRequest) throws -> HTTPResponse {
        let k = try k(request)
        let minimum = try minProbability(request)
        let filter = try filter(request)
        if let imageID = request.query["image_id"] {
            let target = try target(request)
            guard index.catalog.image(id: imageID) != nil else {
                throw Failure(status: 404, message: "no image \(imageID.prefix(200)) in this gallery")
            }
            // The stored vector may come from PostgreSQL: fetch it within a compute slot too.
            let query = ["image_id": imageID, "target": target]
            return try Self.json(pool.run(deadline: request.deadline) {
                guard let vector = try index.storedVector(ofImage: imageID) else { throw SearchError("image \(imageID) has no stored vector") }
                if target == "images" {
                    // One more than k, as the image finds itself; k is at most maxK, which a flag sets, so never k + 1 unchecked.
                    let asked = min(k, index.catalog.liveImageCount) + 1
                    let results = try index.images(similarToImage: vector, k: asked, where: filter).filter { $0.id != imageID }.prefix(k).map { $0 }
                    return try SearchAnswer(query: query, results: results).grouped(in: index)
                }
                let results = try index.captions(matchingImage: vector, k: k)
                return SearchAnswer(query: query, try cut { () throws(SearchError) in
                    try RelevanceCut.captions(results, query: vector, calibration: embedder.imageQueryCalibration, minProbability: minimum)
                })
            })
        }
        guard let text = request.query["text"] else {
            throw Failure(status: 400, message: "give text=… (text→image) or image_id=… (search by a gallery image)")
        }
        // Limits in bytes and in Unicode scalars, before any other work on the text.
        guard text.utf8.count <= limits.maxQueryBytes else {
            throw Failure(status: 400, message: "the text query has \(text.utf8.count) bytes; at most \(limits.maxQueryBytes) are allowed")
        }
        guard text.unicodeScalars.count <= limits.maxQueryCharacters else {
            throw Failure(status: 400, message: "the text query has \(text.unicodeScalars.count) characters; at most \(limits.maxQueryCharacters) are allowed")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure(status: 400, message: "the text query is empty") }
        let answer = try pool.run(deadline: request.deadline) {
            let vector: [Float]
            if let cached = textCache.get(trimmed) {
                vector = cached
            } else {
                vector = try embedder.embed(text: trimmed, deadline: request.deadline)
                textCache.set(trimmed, vector)
            }
            let results = try index.images(matchingText: vector, k: k, where: filter)
            let relevant = try cut { () throws(SearchError) in
                try RelevanceCut.images(results, in: index, calibration: embedder.calibration, minProbability: minimum)
            }
            return try SearchAnswer(query: ["text": trimmed], relevant, unknownWords: embedder.unknownWords(in: trimmed)).grouped(in: index)
        }
        return try Self.json(answer)
    }

    private func target(_ request: HTTPRequest) throws -> String {
        let target = request.query["target"] ?? "captions"
        guard target == "captions" || target == "images" else {
            throw Failure(status: 400, message: "target is captions or images, not \(target.prefix(40))")
        }
        return target
    }

    private func searchByUpload(_ request: HTTPRequest) throws -> HTTPResponse {
        let k = try k(request)
        let target = try target(request)
        let minimum = try minProbability(request)
        let filter = try filter(request)
        let body = request.body
        guard !body.isEmpty else { throw Failure(status: 400, message: "send the image (JPEG, PNG, WebP, GIF, HEIC or AVIF) as the request body") }
        let query = ["image_bytes": "\(body.count)", "target": target]
        return try Self.json(imagePool.run(deadline: request.deadline) {
            let vector = try embedder.embed(imageData: body, deadline: request.deadline)
            if target == "images" {
                return try SearchAnswer(query: query, results: try index.images(similarToImage: vector, k: k, where: filter)).grouped(in: index)
            }
            let results = try index.captions(matchingImage: vector, k: k)
            return SearchAnswer(query: query, try cut { () throws(SearchError) in
                try RelevanceCut.captions(results, query: vector, calibration: embedder.imageQueryCalibration, minProbability: minimum)
            })
        })
    }

    // MARK: - Changes

    /// The writer, once the request shows the token: 403 when writes are off, 401 without the right token.
    private func authorizedUpdates(_ request: HTTPRequest) throws -> any GalleryUpdates {
        guard let updates, let writeToken else {
            throw Failure(status: 403, message: "this server does not change its gallery; start `crossmodal serve` with --write-token")
        }
        guard writeToken.admits(request.headers["authorization"]) else {
            throw Failure(status: 401, message: "send the write token as `Authorization: Bearer <token>`", headers: [("WWW-Authenticate", "Bearer")])
        }
        return updates
    }

    private func addImage(_ request: HTTPRequest) throws -> HTTPResponse {
        let updates = try authorizedUpdates(request)
        let body = request.body
        guard !body.isEmpty else { throw Failure(status: 400, message: "send the image (JPEG, PNG, WebP, GIF, HEIC or AVIF) as the request body") }
        let id = request.query["id"]
        if let id {
            guard (1...500).contains(id.utf8.count), !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
                !id.hasPrefix("/"), !id.hasSuffix("/")
            else {
                throw Failure(status: 400, message: "id must be 1 to 500 bytes without control characters or a leading or trailing /")
            }
        }
        let caption = request.query["caption"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let caption {
            guard caption.utf8.count <= limits.maxQueryBytes else {
                throw Failure(status: 400, message: "the caption has \(caption.utf8.count) bytes; at most \(limits.maxQueryBytes) are allowed")
            }
        }
        let added = try imagePool.run(deadline: request.deadline) {
            try updates.add(imageData: body, id: id, caption: caption?.isEmpty == true ? nil : caption, deadline: request.deadline)
        }
        var response = try Self.json(Change(id: added, images: index.catalog.liveImageCount))
        response.status = 201
        return response
    }

    private func removeImage(_ id: String, _ request: HTTPRequest) throws -> HTTPResponse {
        let updates = try authorizedUpdates(request)
        guard try updates.remove(id: id) else { throw Failure(status: 404, message: "no image \(id.prefix(200)) in this gallery") }
        return try Self.json(Change(id: id, images: index.catalog.liveImageCount))
    }

    // MARK: - Items and images

    private func item(_ id: String) throws -> HTTPResponse {
        if let image = index.catalog.image(id: id) {
            let captions = image.captionIDs.compactMap { index.catalog.caption(id: $0) }
            return try Self.json(ItemAnswer(
                kind: "image", id: image.id, imageID: image.id, text: nil, captions: captions.map(\.text), captionIDs: captions.map(\.id), path: image.path,
                taken: image.taken.map(ImageFilter.text)))
        }
        if let caption = index.catalog.caption(id: id) {
            return try Self.json(ItemAnswer(kind: "caption", id: caption.id, imageID: caption.imageID, text: caption.text, captions: nil, captionIDs: nil))
        }
        throw Failure(status: 404, message: "no image or caption \(id.prefix(200)) in this gallery")
    }

    private func imageFile(_ id: String) throws -> HTTPResponse {
        // Only ids in the catalogue map to files: a path in the id is just an unknown id.
        guard let image = index.catalog.image(id: id) else {
            throw Failure(status: 404, message: "no image \(id.prefix(200)) in this gallery")
        }
        // Opened here and sent from disk by the server in pieces: no answer holds a photo in memory.
        // An image inside a WebDataset shard is sent as its byte range of the shard.
        let member = ArchiveMemberPath(parsing: image.path)
        let file: OpenedFile
        do throws(FileReadError) {
            file = try OpenedFile(URL(fileURLWithPath: member?.file ?? image.path), maxBytes: member == nil ? 64 << 20 : .max)
            if let member {
                guard member.size <= 64 << 20, member.offset <= file.size, member.size <= file.size - member.offset else {
                    throw FileReadError(path: image.path, reason: .unreadable("the member lies outside its shard"))
                }
            }
        } catch {
            if case .unreadable(let why) = error.reason, why.contains("Too many open files") {
                throw Failure(status: 503, message: "the server has too many files open; try again shortly", headers: [("Retry-After", "1")])
            }
            throw Failure(status: 404, message: "the file of image \(id.prefix(200)) is no longer readable")
        }
        let types = [
            "png": "image/png", "webp": "image/webp", "gif": "image/gif", "heic": "image/heic", "heif": "image/heif", "hif": "image/heif", "avif": "image/avif",
        ]
        let type = types[URL(fileURLWithPath: member?.name ?? image.path).pathExtension.lowercased()] ?? "image/jpeg"
        var response = HTTPResponse(status: 200, headers: [("Content-Type", type), ("Cache-Control", "public, max-age=86400")], file: file)
        response.fileRange = member.map { $0.offset..<($0.offset + $0.size) }
        return response
    }

    // MARK: - Answers

    struct SearchAnswer: Encodable {
        var query: [String: String]
        var results: [SearchResult]
        /// A text query's words the model left out (a closed-vocabulary run only).
        var unknownWords: [String]? = nil
        /// With a calibrated run: whether no result reached the minimum match probability, the nearest
        /// results then (below it), and the threshold applied.
        var noGoodMatch: Bool? = nil
        var nearest: [SearchResult]? = nil
        var minProbability: Double? = nil
        /// Near-duplicates among the images shown (the results, or the nearest): each group's ids in rank order.
        var duplicateGroups: [[String]]? = nil

        init(query: [String: String], results: [SearchResult]) {
            self.query = query
            self.results = results
        }

        init(query: [String: String], _ cut: RelevanceCut, unknownWords: [String]? = nil) {
            self.query = query
            results = cut.results
            self.unknownWords = unknownWords
            (noGoodMatch, nearest, minProbability) = cut.answerFields
        }

        enum CodingKeys: String, CodingKey {
            case query, results, nearest
            case unknownWords = "unknown_words"
            case noGoodMatch = "no_good_match"
            case minProbability = "min_probability"
            case duplicateGroups = "duplicate_groups"
        }

        /// The answer with the near-duplicate groups of the images it shows (none for captions).
        func grouped(in index: GalleryIndex) throws(SearchError) -> SearchAnswer {
            let shown = noGoodMatch == true ? nearest ?? [] : results
            guard shown.first?.kind == "image" else { return self }
            var copy = self
            copy.duplicateGroups = try index.duplicateGroups(ofImages: shown.map(\.id)).map(\.ids)
            return copy
        }
    }

    struct Health: Encodable {
        var status: String
        var images: Int
        var captions: Int
        var backend: String
        var writable: Bool
    }

    struct Change: Encodable {
        var id: String
        var images: Int
    }

    struct ItemAnswer: Encodable {
        var kind: String
        var id: String
        var imageID: String
        var text: String?
        var captions: [String]?
        var captionIDs: [String]?
        /// An image's file, to open it.
        var path: String? = nil
        /// When the image was taken (`YYYY-MM-DDTHH:MM:SS`, UTC as the filter reads it), if known.
        var taken: String? = nil
    }

    static func json(_ value: some Encodable) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: try encoder.encode(value))
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it (or nothing follows).
    func dropPrefix(_ prefix: String) -> String? {
        guard hasPrefix(prefix), count > prefix.count else { return nil }
        return String(dropFirst(prefix.count))
    }
}
