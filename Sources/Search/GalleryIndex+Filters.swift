import Foundation

extension GalleryIndex {
    /// How many nearest images a filtered search (folder, dates) looks among before it keeps those the filter admits.
    public static let folderCandidates = 10_000

    /// The absolute path prefix (ending in "/") of a folder filter: an absolute folder, or one relative to the
    /// gallery's photo folder.
    ///
    /// - Throws: ``SearchError`` for an empty or over-long folder, one with control characters, or a relative
    ///   folder in a gallery that has no photo folder.
    public func folderPrefix(_ folder: String) throws(SearchError) -> String {
        let trimmed = folder.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 1000, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SearchError("the folder must be 1 to 1000 bytes without control characters")
        }
        let absolute: String
        if trimmed.hasPrefix("/") {
            absolute = trimmed
        } else {
            guard let root = manifest.photoFolder, !root.isEmpty else {
                throw SearchError("this gallery was built from a dataset, not a photo folder: give the folder as an absolute path")
            }
            absolute = root + "/" + trimmed
        }
        let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        return standardized.hasSuffix("/") ? standardized : standardized + "/"
    }

    /// The `k` best images for a text query among those `filter` admits, looked for among the
    /// ``folderCandidates`` nearest; all images when the filter is empty.
    public func images(matchingText query: [Float], k: Int, where filter: ImageFilter) throws(SearchError) -> [SearchResult] {
        try kept(k, where: filter) { (wanted) throws(SearchError) in try images(matchingText: query, k: wanted) }
    }

    /// The `k` images most similar to an image query among those `filter` admits.
    public func images(similarToImage query: [Float], k: Int, where filter: ImageFilter) throws(SearchError) -> [SearchResult] {
        try kept(k, where: filter) { (wanted) throws(SearchError) in try images(similarToImage: query, k: wanted) }
    }

    /// Checks a filter's folder (see ``folderPrefix(_:)``) without searching.
    public func check(_ filter: ImageFilter) throws(SearchError) {
        if let folder = filter.folder { _ = try folderPrefix(folder) }
    }

    /// `search(k)` without a filter; with one, the first `k` of the ``folderCandidates`` nearest that it admits.
    private func kept(
        _ k: Int, where filter: ImageFilter, search: (Int) throws(SearchError) -> [SearchResult]
    ) throws(SearchError) -> [SearchResult] {
        guard !filter.isEmpty else { return try search(k) }
        let prefix = try filter.folder.map { (folder) throws(SearchError) in try folderPrefix(folder) }
        let catalog = self.catalog
        let candidates = max(1, min(catalog.liveImageCount, max(k, Self.folderCandidates)))
        return try search(candidates).filter { result in
            guard let image = catalog.image(id: result.id) else { return false }
            return (prefix.map { image.path.hasPrefix($0) } ?? true) && filter.admits(taken: image.taken)
        }.prefix(k).map { $0 }
    }
}
