import Foundation
import Numerics
import Testing
import TensorFiles

@Suite struct NPYFileTests {
    static func randomValues(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.normal(standardDeviation: 3) }
    }

    @Test(arguments: [[Int](), [0], [5], [3, 4], [2, 3, 4], [0, 7]])
    func roundTripsEveryDType(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = Self.randomValues(count, seed: 1)
        let tensors = [
            try Tensor(float32: values, shape: shape),
            try Tensor(float16: values, shape: shape),
            try Tensor(int32: values.map { Int32($0 * 1000) }, shape: shape),
            try Tensor(int64: values.map { Int64($0 * 1e12) }, shape: shape),
        ]
        for tensor in tensors {
            let data = try NPYFile.encode(tensor)
            #expect(data.count % 64 == tensor.bytes.count % 64)  // header padded to 64 bytes
            #expect(try NPYFile.decode(data) == tensor)
        }
    }

    @Test func numpyLoadsWhatWeWrite() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let values = Self.randomValues(60, seed: 2)
        try NPYFile.write(try Tensor(float32: values, shape: [3, 4, 5]), to: folder.file("f32.npy"))
        try NPYFile.write(try Tensor(float16: values, shape: [60]), to: folder.file("f16.npy"))
        try NPYFile.write(try Tensor(int32: (0..<6).map { Int32($0) - 3 }, shape: [2, 3]), to: folder.file("i32.npy"))
        try NPYFile.write(try Tensor(int64: [Int64.min, -1, 0, Int64.max], shape: [4]), to: folder.file("i64.npy"))
        // NumPy prints each array's dtype, shape and exact values (float32 as bit patterns).
        let output = try NumPyOracle.run("""
            import sys, numpy as np
            d = sys.argv[1]
            a = np.load(d + '/f32.npy'); print(a.dtype, a.shape, ' '.join(str(int(x)) for x in a.ravel().view(np.uint32)))
            b = np.load(d + '/f16.npy'); print(b.dtype, b.shape, ' '.join(str(int(x)) for x in b.view(np.uint16)))
            c = np.load(d + '/i32.npy'); print(c.dtype, c.shape, ' '.join(str(x) for x in c.ravel()))
            e = np.load(d + '/i64.npy'); print(e.dtype, e.shape, ' '.join(str(x) for x in e.ravel()))
            """, [folder.url.path])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines[0] == "float32 (3, 4, 5) " + values.map { String($0.bitPattern) }.joined(separator: " "))
        #expect(lines[1] == "float16 (60,) " + values.map { String(HalfPrecision.bits(from: $0)) }.joined(separator: " "))
        #expect(lines[2] == "int32 (2, 3) -3 -2 -1 0 1 2")
        #expect(lines[3] == "int64 (4,) -9223372036854775808 -1 0 9223372036854775807")
    }

    @Test func weLoadWhatNumpyWrites() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let values = Self.randomValues(24, seed: 3) + [0, -0.0, 65504, 1e-7, 70000, 2.4414062e-4, .infinity]
        let raw = values.map(\.bitPattern).withUnsafeBytes { Data($0) }
        try raw.write(to: folder.file("values.bin"))
        try NumPyOracle.run("""
            import sys, numpy as np
            d = sys.argv[1]
            v = np.fromfile(d + '/values.bin', dtype='<f4')
            np.save(d + '/f32.npy', v.reshape(1, -1))
            np.save(d + '/f16.npy', v.astype(np.float16))
            np.save(d + '/big.npy', v.astype('>f4'))
            np.save(d + '/i64.npy', np.arange(-5, 5, dtype=np.int64).reshape(2, 5))
            np.lib.format.write_array(open(d + '/v2.npy', 'wb'), v, version=(2, 0))
            np.lib.format.write_array(open(d + '/v3.npy', 'wb'), v, version=(3, 0))
            """, [folder.url.path])
        let f32 = try NPYFile.read(folder.file("f32.npy"))
        #expect(f32.dtype == .float32 && f32.shape == [1, values.count])
        #expect(try f32.floatValues().map(\.bitPattern) == values.map(\.bitPattern))
        let f16 = try NPYFile.read(folder.file("f16.npy"))
        #expect(f16.dtype == .float16)
        // NumPy's float16 rounding and ours agree bit for bit, including overflow to infinity.
        let halfBits = f16.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        #expect(halfBits == values.map { HalfPrecision.bits(from: $0) })
        #expect(try f16.floatValues() == halfBits.map(HalfPrecision.float(from:)))
        #expect(try NPYFile.read(folder.file("big.npy")).floatValues().map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try NPYFile.read(folder.file("i64.npy")).integerValues() == Array(-5..<5))
        for version in ["v2", "v3"] {
            #expect(try NPYFile.read(folder.file("\(version).npy")).floatValues().map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    @Test func matrixConversion() throws {
        let matrix = try Matrix([[1, 2, 3], [4, 5, 6]])
        let decoded = try NPYFile.decode(try NPYFile.encode(Tensor(matrix)))
        #expect(try decoded.matrix() == matrix)
    }
}

@Suite struct CorruptNPYFileTests {
    static let goodFile: Data = try! NPYFile.encode(try! Tensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3]))

    static func header(_ dict: String, payload: Int = 24) -> Data {
        var header = dict
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(Data(count: payload))
        return data
    }

    @Test(arguments: [
        ("truncated payload", goodFile.prefix(goodFile.count - 3), "truncated"),
        ("truncated header", goodFile.prefix(40), "truncated"),
        ("bad magic", Data("PK\u{3}\u{4}not numpy at all".utf8), "magic"),
        ("empty file", Data(), "magic"),
        ("version 9", { var d = goodFile; d[6] = 9; return d }(), "version 9"),
        ("garbage header", header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3"), "bad header"),
        ("missing shape", header("{'descr': '<f4', 'fortran_order': False, }"), "shape"),
        ("complex dtype", header("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }"), "unsupported dtype '<c8'"),
        ("object dtype", header("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }"), "unsupported dtype '|O'"),
        ("fortran order", header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), "Fortran"),
        ("extra bytes", header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"), "holds 24"),
    ] as [(String, Data, String)])
    func refusedWithFileAndReason(name: String, data: Data, expected: String) throws {
        try expectRefused(data, as: "broken.npy", label: name, problemContaining: expected) { url throws(TensorFileError) in
            _ = try NPYFile.read(url)
        }
    }

    @Test func numpyFortranArrayIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try NumPyOracle.run("import sys, numpy as np; np.save(sys.argv[1], np.asfortranarray(np.ones((3, 4), np.float32)))", [folder.file("f.npy").path])
        #expect(throws: TensorFileError.self) { try NPYFile.read(folder.file("f.npy")) }
    }

    @Test func missingFileNamesThePath() {
        do {
            _ = try NPYFile.read(URL(fileURLWithPath: "/nonexistent/vectors.npy"))
            Issue.record("accepted a missing file")
        } catch {
            #expect(error.message.hasPrefix("/nonexistent/vectors.npy: cannot be read"))
        }
    }
}
