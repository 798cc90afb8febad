import Foundation

extension Dataset {
    private struct KarpathyFile: Decodable {
        struct Image: Decodable {
            struct Sentence: Decodable { let raw: String? }
            let filename: String?
            let filepath: String?
            let split: String?
            let sentences: [Sentence]?
        }
        let images: [Image]
    }

    /// Loads Karpathy's `dataset_flickr8k.json`, `dataset_flickr30k.json` or `dataset_coco.json`.
    ///
    /// Splits `train`, `val` (read as `dev`), `test` and `restval` are kept as given. Image files are
    /// looked for under `<folder>/<filepath>/`, `<folder>/images/<filepath>/` and `<folder>/images/`.
    static func loadKarpathy(_ file: URL, options: DatasetLoadOptions) throws(DatasetError) -> Dataset {
        let folder = file.deletingLastPathComponent()
        let parsed: KarpathyFile
        let data = try readFile(file)
        do {
            parsed = try JSONDecoder().decode(KarpathyFile.self, from: data)
        } catch let error as DecodingError {
            throw DatasetError("\(file.path) is not a Karpathy dataset file (expected {\"images\": [{\"filename\", \"split\", \"sentences\": [{\"raw\"}]}]}): \(error)")
        } catch {
            throw DatasetError("cannot read \(file.path): \(error.localizedDescription)")
        }
        var builder = DatasetBuilder()
        let origin = file.lastPathComponent
        for (index, image) in parsed.images.enumerated() {
            let location = "\(origin) image \(index)"
            guard let filename = image.filename, !filename.isEmpty else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): no filename"))
                continue
            }
            let split = image.split.map { $0 == "val" ? "dev" : $0 }
            if builder.hasImage(filename) {
                builder.report(DatasetIssue(.duplicateID, "\(location): image \(filename) appears twice", split: split))
                continue
            }
            let imageFile = karpathyImageFile(folder: folder, filepath: image.filepath, filename: filename)
            for (number, sentence) in (image.sentences ?? []).enumerated() {
                builder.addCaption(
                    imageID: filename, file: imageFile, number: number, text: sentence.raw ?? "",
                    origin: "\(location) sentence \(number)", split: split)
            }
            if !builder.hasImage(filename) {
                builder.report(DatasetIssue(.malformedRecord, "\(location): \(filename) has no sentences", split: split))
                continue
            }
            if let split {
                builder.assign(imageID: filename, to: split, origin: location)
            }
        }
        var absent: [String: String] = [:]
        for split in standardSplits { absent[split] = "\(origin) assigns no image to it" }
        return try builder.build(source: file, format: .karpathy, options: options, absentSplitReasons: absent)
    }

    private static func karpathyImageFile(folder: URL, filepath: String?, filename: String) -> URL {
        var candidates: [URL] = []
        if let filepath, !filepath.isEmpty {
            candidates.append(folder.appendingPathComponent(filepath).appendingPathComponent(filename))
            candidates.append(folder.appendingPathComponent("images").appendingPathComponent(filepath).appendingPathComponent(filename))
        }
        candidates.append(folder.appendingPathComponent("images").appendingPathComponent(filename))
        candidates.append(folder.appendingPathComponent(filename))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }
}
