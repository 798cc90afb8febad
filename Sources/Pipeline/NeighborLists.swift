import Foundation
import Neighbors

/// The neighbour-file mapping: a neighbour file's rows (by id) onto the rows of the training captions.
public enum NeighborLists {
    /// Each training caption's first `pool` neighbours, as rows of `captionIDs`; neighbours that are not
    /// training captions are passed over, and captions the file does not list get none.
    ///
    /// - Complexity: O(n · k) for a file of n rows of k neighbours.
    public static func read(file: URL, captionIDs: [String], pool: Int) throws -> [[Int]] {
        let (table, ids) = try NeighborTable.read(file)
        var row: [String: Int] = [:]
        for (index, id) in captionIDs.enumerated() { row[id] = index }
        var lists = [[Int]](repeating: [], count: captionIDs.count)
        var matched = 0
        for (item, id) in ids.enumerated() {
            guard let caption = row[id] else { continue }
            matched += 1
            // `NeighborTable.read` has checked every index against the file's rows, which its ids match.
            lists[caption] = table.neighbors(of: item).compactMap { row[ids[$0.index]] }.prefix(pool).map { $0 }
        }
        guard matched > 0 else {
            let example = captionIDs.first.map { "same split (ids like \($0))" } ?? "training split"
            throw PipelineError("\(file.path): none of its ids are training captions; build it from the \(example)")
        }
        return lists
    }
}
