@testable import Datasets
import Foundation
import SafeFiles
import TestSupport
import Testing

/// WebDataset shards: the samples of well-formed archives (ours, Python's PAX `tarfile`, GNU tar's long names)
/// and the faults a reader of other people's shards meets (cut short, a lying size, a wrong checksum, a member
/// over the cap, a sample without its image or text).
@Suite struct WebDatasetTests {
    let folder: URL
    init() throws { folder = try temporaryFolder() }

    func write(_ name: String, _ data: Data) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }

    static let picture = Data((0..<1500).map { UInt8($0 % 251) })

    /// Three samples: a .jpg with a .txt, a .png with a .json (caption and split), a .jpg with both.
    static func threeSamples() -> [(name: String, data: Data)] {
        [
            ("000001.jpg", picture), ("000001.txt", Data("a dog runs on the beach".utf8)),
            ("000002.png", Data(picture.reversed())), ("000002.json", Data(#"{"caption": "two cats", "split": "dev", "url": "http://x"}"#.utf8)),
            ("000003.jpg", Data(picture.prefix(700))), ("000003.json", Data(#"{"caption": "ignored"}"#.utf8)), ("000003.txt", Data("a red bus\n".utf8)),
        ]
    }

    @Test func readsSamplesWithTheirBytesAndSplits() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let shard = try write("00000.tar", TarWriter.archive(Self.threeSamples()))
        let dataset = try Dataset.load(from: shard)
        #expect(dataset.format == .webDataset)
        #expect(dataset.issues.isEmpty)
        #expect(dataset.images.map(\.id) == ["000001", "000002", "000003"])
        #expect(dataset.images.map { $0.captions.map(\.text) } == [["a dog runs on the beach"], ["two cats"], ["a red bus"]])
        #expect(dataset.images.map(\.split) == [nil, "dev", nil])
        #expect(try dataset.images[0].bytes(maxBytes: 1 << 20) == Self.picture)
        #expect(try dataset.images[1].bytes(maxBytes: 1 << 20) == Data(Self.picture.reversed()))
        #expect(try dataset.images[2].bytes(maxBytes: 1 << 20) == Self.picture.prefix(700))
        #expect(dataset.images[0].location == shard.path + "#000001.jpg")
        // The cap is checked before reading.
        #expect(throws: FileReadError.self) { try dataset.images[0].bytes(maxBytes: 100) }
        #expect(try dataset.images(in: "all").count == 3)
        let error = #expect(throws: DatasetError.self) { try dataset.images(in: "train") }
        #expect(error?.message.contains("train/ folder") == true)
    }

    @Test func takesSplitsFromFoldersAndKeepsShardOrder() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try write("train/00001.tar", TarWriter.archive([("b.jpg", Self.picture), ("b.txt", Data("b".utf8))]))
        _ = try write("train/00000.tar", TarWriter.archive([("a.jpg", Self.picture), ("a.txt", Data("a".utf8))]))
        _ = try write("val/00000.tar", TarWriter.archive([("c.jpg", Self.picture), ("c.txt", Data("c".utf8))]))
        #expect(Dataset.isDataset(folder))
        let dataset = try Dataset.load(from: folder)
        #expect(dataset.images.map(\.id) == ["a", "b", "c"])
        #expect(try dataset.images(in: "train").map(\.id) == ["a", "b"])
        #expect(try dataset.images(in: "dev").map(\.id) == ["c"])
    }

    @Test func reportsSamplesWithoutImageOrTextAndRepeatedKeys() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let shard = try write("s.tar", TarWriter.archive([
            ("x.txt", Data("no picture".utf8)),
            ("y.jpg", Self.picture),
            ("z.jpg", Self.picture), ("z.json", Data("[1, 2]".utf8)),
            ("w.jpg", Self.picture), ("w.txt", Data([0xFF, 0xFE, 0x00])),
            ("v.jpg", Self.picture), ("v.txt", Data("fine".utf8)),
            ("v.jpg", Self.picture), ("v.txt", Data("again".utf8)),
        ]))
        let dataset = try Dataset.load(from: shard)
        #expect(dataset.images.map(\.id) == ["v"])
        let details = dataset.issues.map(\.detail).joined(separator: "\n")
        #expect(details.contains("sample x: no image member"))
        #expect(details.contains("sample y: no caption"))
        #expect(details.contains("z.json is not a JSON object"))
        #expect(details.contains("w.txt is not UTF-8 text"))
        #expect(details.contains("sample v: the key appears twice"))
        #expect(throws: DatasetError.self) { try Dataset.load(from: shard, options: DatasetLoadOptions(strict: true)) }
    }

    @Test func keepsWhatPrecedesATruncation() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = TarWriter.archive(Self.threeSamples())
        // Cut inside the third sample's image: a writer killed mid-shard.
        let cut = try write("cut.tar", whole.prefix(6144 + 512 + 300))  // headers at 0, 2048, 3072, 5120, 6144, …
        let dataset = try Dataset.load(from: cut)
        #expect(dataset.images.map(\.id) == ["000001", "000002"])
        let issue = try #require(dataset.issues.first { $0.kind == .damagedArchive })
        #expect(issue.detail.contains("cut.tar"))
        #expect(issue.detail.contains("only") && issue.detail.contains("remain"))
        #expect(throws: DatasetError.self) { try Dataset.load(from: cut, options: DatasetLoadOptions(strict: true)) }
        // Cut inside a header.
        let headerCut = try write("header.tar", whole.prefix(3072 + 100))
        #expect(try Dataset.load(from: headerCut).issues.contains { $0.detail.contains("header at byte 3072 is cut short") })
    }

    @Test func stopsAtALyingHeader() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = TarWriter.archive(Self.threeSamples())
        // The second sample's image claims 1 GiB (octal 10000000000), checksum recomputed: a lie, not damage.
        let second = 3072
        bytes.replaceSubrange((second + 124)..<(second + 135), with: Array("10000000000".utf8))
        TarWriter.setChecksum(&bytes, headerAt: second)
        let lying = try write("lying.tar", bytes)
        let dataset = try Dataset.load(from: lying)
        #expect(dataset.images.map(\.id) == ["000001"])
        #expect(dataset.issues.contains { $0.kind == .damagedArchive && $0.detail.contains("claims 1073741824 bytes") })

        // A flipped byte in a name: the checksum no longer matches.
        var flipped = TarWriter.archive(Self.threeSamples())
        flipped[2048 + 3] ^= 0x01
        let damaged = try write("flipped.tar", flipped)
        #expect(try Dataset.load(from: damaged).issues.contains { $0.detail.contains("wrong checksum") })

        // Not a tar at all, and an empty file.
        let noise = try write("noise.tar", Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))
        #expect(try Dataset.load(from: noise).issues.contains { $0.kind == .damagedArchive })
        let empty = try write("empty.tar", Data())
        let nothing = try Dataset.load(from: empty)
        #expect(nothing.images.isEmpty && nothing.issues.isEmpty)
    }

    @Test func refusesMembersOverTheirCaps() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let long = Data(repeating: 0x61, count: Dataset.maximumTextMemberBytes + 1)
        let shard = try write("big.tar", TarWriter.archive([("a.jpg", Self.picture), ("a.txt", long), ("b.jpg", Self.picture), ("b.txt", Data("ok".utf8))]))
        let dataset = try Dataset.load(from: shard)
        #expect(dataset.images.map(\.id) == ["b"])
        #expect(dataset.issues.contains { $0.detail.contains("sample a: a.txt has \(Dataset.maximumTextMemberBytes + 1) bytes") })
    }

    @Test func parsesNumericFieldsDigitByDigit() {
        #expect(TarArchive.number(ArraySlice(Array("00000001750\0".utf8))) == 1000)
        #expect(TarArchive.number(ArraySlice(Array("   1750 \0".utf8))) == 1000)
        #expect(TarArchive.number(ArraySlice(Array("0000000019\0".utf8))) == nil)  // 9 is not octal
        #expect(TarArchive.number(ArraySlice([0x80] + [UInt8](repeating: 0, count: 7) + [0, 0, 0x10, 0]))
            == 0x1000)
        #expect(TarArchive.number(ArraySlice([0xFF] + [UInt8](repeating: 0xFF, count: 11))) == nil)  // negative
        #expect(TarArchive.number(ArraySlice([0x80] + [UInt8](repeating: 0xFF, count: 11))) == nil)  // beyond 2^53
        #expect(TarArchive.paxRecords(Data("18 path=a/b/c.jpg\n".utf8)) == ["path": "a/b/c.jpg"])
        #expect(TarArchive.paxRecords(Data("99 path=a\n".utf8)) == nil)
        #expect(TarArchive.paxRecords(Data("5 x\n".utf8)) == nil)
    }

    /// Shards as Python's `tarfile` writes them in PAX format (WebDataset's and img2dataset's writer) and GNU tar
    /// with names over 100 bytes: the names come from the extended headers.
    @Test func readsPAXAndGNULongNames() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = "shard-ünïcode/" + String(repeating: "k", count: 120)
        let script = """
            import io, sys, tarfile
            def add(t, name, data):
                info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
            with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
                add(t, sys.argv[3] + ".jpg", bytes(range(200)) * 3)
                add(t, sys.argv[3] + ".txt", "a long named sample".encode())
                add(t, "plain.jpg", b"xy" * 300)
                add(t, "plain.txt", b"plain")
            with tarfile.open(sys.argv[2], "w", format=tarfile.GNU_FORMAT) as t:
                add(t, sys.argv[3] + ".jpg", bytes(range(200)) * 3)
                add(t, sys.argv[3] + ".txt", "a long named sample".encode())
            with tarfile.open(sys.argv[4], "w", format=tarfile.USTAR_FORMAT) as t:  # the name split into prefix/name
                add(t, sys.argv[5] + ".jpg", bytes(range(200)) * 3)
                add(t, sys.argv[5] + ".txt", "a long named sample".encode())
            """
        let pax = folder.appendingPathComponent("pax.tar"), gnu = folder.appendingPathComponent("gnu.tar"), ustar = folder.appendingPathComponent("ustar.tar")
        let ustarKey = String(repeating: "d", count: 120) + "/sample"
        let run = try ProgramRun.onPath(["python3", "-c", script, pax.path, gnu.path, key, ustar.path, ustarKey])
        try #require(run.status == 0, "python3 tarfile: \(run.standardError)")
        for shard in [pax, gnu] {
            let dataset = try Dataset.load(from: shard)
            #expect(dataset.issues.isEmpty, "\(shard.lastPathComponent): \(dataset.issues)")
            #expect(dataset.images.first?.id == key)
            #expect(dataset.images.first?.captions.first?.text == "a long named sample")
            #expect(try dataset.images.first?.bytes(maxBytes: 1 << 20) == Data((0..<600).map { UInt8($0 % 200) }))
        }
        #expect(try Dataset.load(from: pax).images.last?.id == "plain")
        #expect(try Dataset.load(from: ustar).images.map(\.id) == [ustarKey])
    }

    /// `--shard I/N`: every key in exactly one part, the same part on every call, parts of about equal size, and
    /// a clear error for anything but 0 ≤ I < N.
    @Test func shardsPartitionKeysOnce() throws {
        let keys = (0..<4000).map { String(format: "%09d", $0) }
        let parts = try (0..<4).map { try ShardSelection(index: $0, count: 4) }
        for key in keys { #expect(parts.filter { $0.contains(key) }.count == 1) }
        let sizes = parts.map { part in keys.filter(part.contains).count }
        #expect(sizes.allSatisfy { (850...1150).contains($0) }, "\(sizes)")
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: a fixed function, not Swift's per-process seeded hash.
        #expect(ShardSelection.part(of: "a", count: 1 << 20) == Int(0xaf63_dc4c_8601_ec8c % UInt64(1 << 20)))
        #expect(try ShardSelection(parsing: "3/8") == ShardSelection(index: 3, count: 8))
        #expect(ShardSelection.whole.contains("anything"))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] {
            let error = #expect(throws: DatasetError.self) { try ShardSelection(parsing: bad) }
            #expect(error?.message.contains("I/N") == true, "\(bad)")
        }
    }
}
