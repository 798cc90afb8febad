import Foundation
import Numerics
import Testing
import TensorFiles

@Suite struct SafetensorsFileTests {
    static func sampleArchive() throws -> SafetensorsArchive {
        SafetensorsArchive(
            tensors: [
                "encoder.weight": try Tensor(float32: (0..<12).map { Float($0) / 4 }, shape: [3, 4]),
                "encoder.bias": try Tensor(float16: [0.5, -1, 2], shape: [3]),
                "step": try Tensor(int64: [42], shape: []),
                "ids": try Tensor(int32: [7, 8], shape: [2]),
            ],
            metadata: ["format": "crossmodal", "epoch": "3"])
    }

    @Test func roundTrip() throws {
        let archive = try Self.sampleArchive()
        let data = try SafetensorsFile.encode(archive)
        let decoded = try SafetensorsFile.decode(data)
        #expect(decoded.tensors == archive.tensors)
        #expect(decoded.metadata == archive.metadata)
        // The data section starts on an 8-byte boundary.
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
    }

    @Test func pythonReadsWhatWeWriteAndViceVersa() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try SafetensorsFile.write(try Self.sampleArchive(), to: folder.file("ours.safetensors"))
        // A reader and writer written from the format description, in plain Python with NumPy.
        let output = try NumPyOracle.run("""
            import sys, json, struct, numpy as np
            d = sys.argv[1]
            raw = open(d + '/ours.safetensors', 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]
            header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
            kinds = {'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4'}
            for name in sorted(k for k in header if k != '__metadata__'):
                e = header[name]; b, t = e['data_offsets']
                a = np.frombuffer(body[b:t], dtype=kinds[e['dtype']]).reshape(e['shape'])
                print(name, e['dtype'], list(a.shape), [float(x) for x in a.ravel()])
            print(header['__metadata__']['epoch'])
            w = np.arange(6, dtype='<f4').reshape(2, 3) * 1.5
            h = json.dumps({'w': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [0, 24]}, '__metadata__': {'k': 'v'}}).encode()
            open(d + '/theirs.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + w.tobytes())
            """, [folder.url.path])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "encoder.bias F16 [3] [0.5, -1.0, 2.0]",
            "encoder.weight F32 [3, 4] [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75]",
            "ids I32 [2] [7.0, 8.0]",
            "step I64 [] [42.0]",
            "3",
        ])
        let theirs = try SafetensorsFile.read(folder.file("theirs.safetensors"))
        #expect(try theirs.tensor("w").floatValues() == [0, 1.5, 3, 4.5, 6, 7.5])
        #expect(theirs.metadata == ["k": "v"])
        #expect(throws: TensorFileError.self) { try theirs.tensor("missing") }
    }

    static func file(header: String, body: Data) -> Data {
        var data = Data()
        let length = UInt64(header.utf8.count)
        data.append(contentsOf: (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) })
        data.append(contentsOf: Array(header.utf8))
        data.append(body)
        return data
    }

    @Test(arguments: [
        ("too short", Data([1, 2, 3]), "truncated"),
        ("header beyond file", file(header: "{}", body: Data()).prefix(9), "truncated"),
        ("huge header length", Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0]), "implausibly large"),
        ("not JSON", file(header: "{not json", body: Data()), "not valid JSON"),
        ("unsupported dtype", file(header: #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, body: Data(count: 8)), "unsupported dtype C64"),
        ("shape mismatch", file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, body: Data(count: 8)), "needs 12 bytes"),
        ("data truncated", file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, body: Data(count: 8)), "truncated"),
        ("overlap", file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, body: Data(count: 8)), "overlaps"),
        ("gap", file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, body: Data(count: 8)), "gap"),
        ("trailing bytes", file(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, body: Data(count: 8)), "belong to no tensor"),
        ("missing fields", file(header: #"{"a":{"dtype":"F32"}}"#, body: Data()), "needs dtype, shape"),
    ] as [(String, Data, String)])
    func corruptFilesAreRefused(name: String, data: Data, expected: String) throws {
        try expectRefused(data, as: "model.safetensors", label: name, problemContaining: expected) { url throws(TensorFileError) in
            _ = try SafetensorsFile.read(url)
        }
    }
}
