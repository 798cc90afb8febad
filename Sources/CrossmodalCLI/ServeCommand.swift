import ArgumentParser
import Encoders
import Foundation
import Numerics
import Pipeline
import Search
import SearchServer

/// `crossmodal serve`: the search page and JSON API over an index.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve an index: a search page at / and a JSON API under /api.",
        discussion: """
            GET /api/search?text=…&k=…            images for a text (k from 1 to 100, 10 by default)
            GET /api/search?image_id=…&target=images|captions   search by a gallery image
            POST /api/search/image?target=captions|images       search by an uploaded JPEG or PNG (the body)
            GET /api/items/{id}                    an image (with its captions) or a caption
            GET /api/images/{id}                   an image file of the gallery
            POST /api/images?id=…&caption=…       add the body (JPEG or PNG) to the gallery (needs --write-token)
            DELETE /api/images/{id}                remove an image and its captions (needs --write-token)
            GET /healthz                           liveness and gallery size
            Errors are JSON: {"error": {"status": …, "message": …}}.
            """
    )

    @Argument(help: "An index folder written by `crossmodal index build`.")
    var index: String

    @Option(help: "Address to listen on (IPv4).") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port; the first line printed names it).") var port = 8080
    @Option(help: "Largest uploaded image in MiB.") var maxBody = 10
    @Option(help: "Largest k a request may ask for.") var maxK = 100
    @Option(help: "Seconds a request may take (checked between network layers).") var timeout = 15.0
    @Option(help: "Most connections open at once (default: 4096, or what the open-file limit allows).") var maxConnections: Int?
    @Option(help: "Largest uploaded image in pixels (width × height as stored); larger ones get 400.") var maxPixels = DecodeLimits.defaultMaxPixels
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "Allow POST /api/images and DELETE /api/images/{id} for requests with `Authorization: Bearer <token>` (or set CROSSMODAL_WRITE_TOKEN).")
    var writeToken: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxBody >= 1, maxK >= 1, timeout > 0, maxPixels >= 1 else {
            throw ValidationError("--max-body, --max-k, --timeout and --max-pixels must be positive")
        }
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let encoder = try QueryEncoder(modelFolder: gallery.modelFolder, store: ModelStore.locate(explicit: models), observer: .console)
        // Each request runs on one core; BLAS helper threads would only compete with the other requests.
        BLASThreads.set(1)
        var limits = ServiceLimits()
        limits.maxBodyBytes = maxBody << 20
        limits.maxK = maxK
        limits.requestSeconds = timeout
        var decoding = encoder.decodeLimits
        decoding.maxPixels = maxPixels
        let token = writeToken ?? ProcessInfo.processInfo.environment["CROSSMODAL_WRITE_TOKEN"]
        if let token, token.count < 8 { throw ValidationError("the write token must have at least 8 characters") }
        let live = try token.map { _ in try LiveGallery(index: gallery, encoder: encoder, limits: decoding) }
        let api = SearchAPI(
            index: gallery, embedder: RunQueryEmbedding(encoder: encoder, limits: decoding), limits: limits,
            updates: live.map(ServedGalleryUpdates.init), writeToken: token.map(WriteToken.init))
        var server = ServerLimits()
        server.maxBodyBytes = limits.maxBodyBytes
        server.requestSeconds = timeout
        if let maxConnections { server.maxConnections = maxConnections }
        let images = gallery.catalog.liveImageCount, captions = gallery.catalog.liveCaptionCount
        do {
            try HTTPServer(host: host, port: UInt16(port), limits: server, handler: api.handle).run { url in
                print("serving \(grouped(images)) images and \(grouped(captions)) captions at \(url)"
                    + (live == nil ? "" : ", writes on") + " (Ctrl-C to stop)")
            }
        } catch {
            throw ValidationError("cannot serve on \(host):\(port): \(error)")
        }
    }
}

/// The run's query encoder as the server sees it; undecodable uploads are the client's fault.
struct RunQueryEmbedding: QueryEmbedding {
    let encoder: QueryEncoder
    let limits: DecodeLimits

    func embed(text: String, deadline: Deadline) throws -> [Float] { try encoder.embed(text: text, deadline: deadline) }

    func embed(imageData: Data, deadline: Deadline) throws -> [Float] {
        let image: RGBImage
        do {
            image = try RGBImage.decode(imageData, limits: limits)
        } catch {
            throw BadQuery("the body is not a readable JPEG or PNG image (\(error.message))")
        }
        try deadline.check()
        return try encoder.embed(image: image, deadline: deadline)
    }
}

/// The live gallery as the server sees it: refusals become the client's 400 and 409.
struct ServedGalleryUpdates: GalleryUpdates {
    let live: LiveGallery

    func add(imageData: Data, id: String?, caption: String?, deadline: Deadline) throws -> String {
        do {
            return try live.add(imageData: imageData, id: id, caption: caption, deadline: deadline)
        } catch LiveGallery.Refusal.notAnImage(let why) {
            throw BadQuery("the body is not a readable JPEG or PNG image (\(why))")
        } catch LiveGallery.Refusal.idInUse(let id) {
            throw GalleryConflict(id: id)
        }
    }

    func remove(id: String) throws -> Bool { try live.remove(id: id) }
}
