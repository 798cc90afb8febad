import ArgumentParser
import Evaluation
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
            POST /api/search/image?target=captions|images       search by an uploaded photo (the body)
            GET /api/items/{id}                    an image (with its captions) or a caption
            GET /api/images/{id}                   an image file of the gallery
            POST /api/images?id=…&caption=…       add the body (a photo) to the gallery (needs --write-token)
            DELETE /api/images/{id}                remove an image and its captions (needs --write-token)
            GET /healthz                           liveness and gallery size
            Image searches also take folder=…, taken_from=… and taken_to=… (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS); text↔image
            searches min_probability=…. Answers showing images list their near-duplicate groups (duplicate_groups).
            Errors are JSON: {"error": {"status": …, "message": …}}.
            Writes need a token: --write-token-file FILE (created with a new random token, mode 0600, when
            missing) or CROSSMODAL_WRITE_TOKEN. Requests must name an allowed host in their Host header (the
            --host address, localhost, 127.0.0.1 and [::1] unless --allowed-host lists others).
            A server without writes follows changes other processes make to the index (index add, remove,
            compact, a refresh) within a second.
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
    @OptionGroup var weights: WeightsOptions
    @Option(help: ArgumentHelp(
        "Allow POST /api/images and DELETE /api/images/{id} for requests with `Authorization: Bearer <token>`, the token read from this file (mode 0600; created with a new random token when missing).",
        valueName: "file"))
    var writeTokenFile: String?
    @Option(help: ArgumentHelp("The write token itself (visible to other users in `ps`: prefer --write-token-file or CROSSMODAL_WRITE_TOKEN).", visibility: .hidden))
    var writeToken: String?
    @Option(name: .customLong("allowed-host"), help: ArgumentHelp(
        "A host name requests may give in their Host header (repeat for more; * allows any). Default: the --host address, localhost, 127.0.0.1 and [::1].",
        valueName: "name"))
    var allowedHosts: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxBody >= 1, maxK >= 1, timeout > 0, maxPixels >= 1 else {
            throw ValidationError("--max-body, --max-k, --timeout and --max-pixels must be positive")
        }
        guard maxBody <= 1024 else { throw ValidationError("--max-body is in MiB and at most 1024") }
        guard maxK <= 1000 else { throw ValidationError("--max-k is at most 1000") }
        guard timeout <= 3600 else { throw ValidationError("--timeout is at most 3600 seconds") }
        guard writeToken == nil || writeTokenFile == nil else { throw ValidationError("give --write-token-file or --write-token, not both") }
        for name in allowedHosts where name != "*" {
            guard !name.isEmpty, name.count <= 255, !name.contains(where: { $0.isWhitespace || $0 == "," || $0 == "/" }) else {
                throw ValidationError("--allowed-host takes a host name such as photos.local or 192.168.1.5, not \(name.debugDescription)")
            }
        }
    }

    /// The host names the server answers for (nil: any).
    var hostNames: Set<String>? {
        if allowedHosts.contains("*") { return nil }
        let given = allowedHosts.map { $0.lowercased() }.map { $0.contains(":") && !$0.hasPrefix("[") ? "[\($0)]" : $0 }
        return Set(given + (allowedHosts.isEmpty ? [host.lowercased(), "localhost", "127.0.0.1", "[::1]"] : []))
    }

    func run() throws {
        let gallery = try GalleryIndex(folder: URL(fileURLWithPath: index))
        let encoder = try QueryEncoder(modelFolder: gallery.modelFolder, store: weights.store(), observer: .console)
        // Each request runs on one core; BLAS helper threads would only compete with the other requests.
        BLASThreads.set(1)
        var limits = ServiceLimits()
        limits.maxBodyBytes = maxBody << 20
        limits.maxK = maxK
        limits.requestSeconds = timeout
        var decoding = encoder.decodeLimits
        decoding.maxPixels = maxPixels
        let token: WriteTokenSource?
        if let writeTokenFile {
            token = try WriteTokenSource.file(URL(fileURLWithPath: writeTokenFile))
        } else if let writeToken {
            token = WriteTokenSource(token: writeToken, origin: "the command line")
            warn("warning: a token given with --write-token is visible to every user of this machine in `ps`; use --write-token-file or CROSSMODAL_WRITE_TOKEN")
        } else if let fromEnvironment = ProcessInfo.processInfo.environment["CROSSMODAL_WRITE_TOKEN"] {
            token = WriteTokenSource(token: fromEnvironment, origin: "CROSSMODAL_WRITE_TOKEN")
        } else {
            token = nil
        }
        if let token, token.token.count < 8 { throw ValidationError("the write token (from \(token.origin)) must have at least 8 characters") }
        let live = try token.map { _ in try LiveGallery(index: gallery, encoder: encoder, limits: decoding) }
        let api = SearchAPI(
            index: gallery, embedder: RunQueryEmbedding(encoder: encoder, limits: decoding), limits: limits,
            updates: live.map(ServedGalleryUpdates.init), writeToken: token.map { WriteToken($0.token) })
        var server = ServerLimits()
        server.maxBodyBytes = limits.maxBodyBytes
        server.requestSeconds = timeout
        server.allowedHosts = hostNames
        if let maxConnections { server.maxConnections = maxConnections }
        let handler: @Sendable (HTTPRequest) -> HTTPResponse
        if live == nil {
            // Nobody else may write while a server with writes on holds the lock; without them, follow the folder.
            let store = try weights.store()
            let watcher = GalleryWatcher(api: api, log: { warn($0) }) { previous in
                let index = try GalleryIndex(folder: previous.folder)
                let sameModel = index.manifest.run == previous.manifest.run && index.manifest.dimension == previous.manifest.dimension
                    && index.manifest.euclidean == previous.manifest.euclidean
                if sameModel { return (index, nil) }
                let encoder = try QueryEncoder(modelFolder: index.modelFolder, store: store)
                var limits = encoder.decodeLimits
                limits.maxPixels = maxPixels
                return (index, RunQueryEmbedding(encoder: encoder, limits: limits))
            }
            handler = watcher.handle
        } else {
            handler = api.handle
        }
        let images = gallery.catalog.liveImageCount, captions = gallery.catalog.liveCaptionCount
        do {
            try HTTPServer(host: host, port: UInt16(port), limits: server, handler: handler).run { url in
                print("serving \(grouped(images)) images and \(grouped(captions)) captions at \(url)"
                    + (live == nil ? "" : ", writes on") + " (Ctrl-C to stop)")
                if let token {
                    print("writes: type the token from \(token.origin) into the page's \"Add to gallery\", or send "
                        + "`Authorization: Bearer <token>`" + (token.file.map { " (curl -H \"Authorization: Bearer $(cat \($0.path))\" …)" } ?? ""))
                }
                if host == "0.0.0.0", allowedHosts.isEmpty {
                    print("note: requests from other machines must name this one as localhost or 0.0.0.0; add --allowed-host NAME for the name or address they use")
                }
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

    func embed(text: String, deadline: Deadline) throws -> [Float] {
        do {
            return try encoder.embed(text: text, deadline: deadline)
        } catch let refusal as NoKnownWords {
            throw BadQuery(refusal.description)
        }
    }

    func unknownWords(in text: String) -> [String]? { encoder.words(of: text)?.unknown }
    var calibration: MatchCalibration? { encoder.calibration }
    var imageQueryCalibration: MatchCalibration? { encoder.imageQueryCalibration }

    func embed(imageData: Data, deadline: Deadline) throws -> [Float] {
        let image: RGBImage
        do {
            image = try RGBImage.decodeUpright(imageData, limits: limits)
        } catch {
            throw BadQuery("the body is not a readable JPEG, PNG, WebP, GIF, HEIC or AVIF image (\(error.message))")
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
            throw BadQuery("the body is not a readable JPEG, PNG, WebP, GIF, HEIC or AVIF image (\(why))")
        } catch LiveGallery.Refusal.idInUse(let id) {
            throw GalleryConflict(id: id)
        }
    }

    func remove(id: String) throws -> Bool { try live.remove(id: id) }
}
