import Foundation
import TensorFiles
import TestSupport
import Testing

/// Writes `data` as `fileName` in a fresh folder and expects `read` to refuse it with an error that names
/// the file and whose problem contains `expected`; `label` names the case in failures.
func expectRefused(
    _ data: Data, as fileName: String, label: String, problemContaining expected: String,
    by read: (URL) throws(TensorFileError) -> Void
) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file(fileName)
    try data.write(to: url)
    do {
        try read(url)
        Issue.record("\(label): was accepted")
    } catch {
        #expect(error.file == url.path && error.message.hasPrefix(url.path + ": "), "\(label)")
        #expect(error.problem.contains(expected), "\(label): \(error.problem)")
    }
}
