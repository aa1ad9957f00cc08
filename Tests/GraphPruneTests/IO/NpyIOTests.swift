import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO


final class NpyIOTests: XCTestCase {
    /// A `.npy` file built byte by byte: preamble for `version`, the header text padded as NumPy
    /// pads it (unless `pad` is false), then `payload`.
    static func npyBytes(header: String, payload: [UInt8], version: UInt8 = 1, pad: Bool = true) -> Data {
        let lengthWidth = version == 1 ? 2 : 4
        var text = Array(header.utf8)
        if pad {
            let total = 8 + lengthWidth + text.count + 1
            text += [UInt8](repeating: 0x20, count: (64 - total % 64) % 64)
            text.append(0x0A)
        }
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        bytes += version == 1 ? littleEndian(UInt16(text.count)) : littleEndian(UInt32(text.count))
        return Data(bytes + text + payload)
    }

    static func doubles(_ values: [Double]) -> [UInt8] { values.flatMap { littleEndian($0.bitPattern) } }

    func sampleTensors() -> [Tensor] {
        var tensors = [Tensor]()
        for shape in [[0], [3], [2, 3], [2, 3, 4], [], [3, 0, 2]] {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Double($0) * 0.5 - 1.25 }
            tensors.append(Tensor(shape: shape, storage: .float64(values)))
            tensors.append(Tensor(shape: shape, storage: .float32(values.map { Float($0) })))
        }
        return tensors
    }

    func testRoundTripBothPrecisionsAndOrders() throws {
        for tensor in sampleTensors() {
            for fortran in [false, true] {
                let data = NumPyFile.encode(tensor, fortranOrder: fortran)
                let headerLength = Int(data[8]) | Int(data[9]) << 8
                XCTAssertEqual((10 + headerLength) % 64, 0, "data must start at a multiple of 64")
                XCTAssertEqual(data[10 + headerLength - 1], 0x0A)
                XCTAssertEqual(try NumPyFile.read(data: data, name: "t.npy"), tensor, "shape \(tensor.shape), fortran \(fortran)")
            }
        }
    }

    func testWriteAndReadFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("w.npy")
            let tensor = Tensor(Matrix<Float>([[1, 2, 3], [4, 5, 6]]))
            try NumPyFile.write(tensor, to: url, fortranOrder: true)
            XCTAssertEqual(try NumPyFile.read(from: url), tensor)
        }
    }

    /// The two-part write (header, then the elements straight from the tensor's storage) gives
    /// exactly `encode`'s bytes, in both precisions and orders and for empty arrays; the file
    /// written from the parts reads back (through the memory-mapped read) as the tensor.
    func testPartsConcatenateToEncodedBytesAndFileReadsBack() throws {
        try withTemporaryDirectory { directory in
            for (k, tensor) in sampleTensors().enumerated() {
                for fortran in [false, true] {
                    let parts = try NumPyFile.withParts(tensor, fortranOrder: fortran) { $0.map { Data($0) } }
                    XCTAssertEqual(parts.reduce(Data(), +), NumPyFile.encode(tensor, fortranOrder: fortran), "shape \(tensor.shape), fortran \(fortran)")
                    let url = directory.appendingPathComponent("t\(k)-\(fortran).npy")
                    try NumPyFile.write(tensor, to: url, fortranOrder: fortran)
                    XCTAssertEqual(try Data(contentsOf: url), NumPyFile.encode(tensor, fortranOrder: fortran))
                    XCTAssertEqual(try NumPyFile.read(from: url), tensor)
                }
            }
        }
    }

    func testEncodedHeaderMatchesNumPy() throws {
        let data = NumPyFile.encode(Tensor(shape: [2, 3], storage: .float64(Array(repeating: 0, count: 6))))
        let header = String(decoding: data[10..<128], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let vector = NumPyFile.encode(Tensor(shape: [3], storage: .float32([1, 2, 3])))
        XCTAssertTrue(String(decoding: vector, as: UTF8.self).contains("'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"))
    }

    func testFortranWriteStoresColumnsFirst() throws {
        let data = NumPyFile.encode(Tensor(Matrix<Double>([[1, 2, 3], [4, 5, 6]])), fortranOrder: true)
        XCTAssertEqual(Array(data.suffix(48)), Self.doubles([1, 4, 2, 5, 3, 6]))
    }

    func testHandBuiltFortranOrderDecodesToCOrder() throws {
        let data = Self.npyBytes(
            header: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
            payload: Self.doubles([1, 4, 2, 5, 3, 6]))
        let matrix = try NumPyFile.read(data: data, name: "f.npy").matrix(Double.self, name: "f.npy")
        XCTAssertEqual(matrix, Matrix<Double>([[1, 2, 3], [4, 5, 6]]))
        // 3-D: element (i, j, k) of a 2×2×2 Fortran array sits at i + 2j + 4k.
        let cube = Self.npyBytes(
            header: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }",
            payload: Self.doubles([0, 100, 10, 110, 1, 101, 11, 111]))
        XCTAssertEqual(try NumPyFile.read(data: cube, name: "c.npy").storage, .float64([0, 1, 10, 11, 100, 101, 110, 111]))
    }

    func testNumPy1xHeaderParses() throws {
        let data = Self.npyBytes(
            header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
            payload: Self.doubles([1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(data.count, 128 + 48)  // a 59-byte dict pads to a 128-byte preamble + header
        let tensor = try NumPyFile.read(data: data, name: "a.npy")
        XCTAssertEqual(tensor, Tensor(shape: [2, 3], storage: .float64([1, 2, 3, 4, 5, 6])))
    }

    func testHeaderVariantsParse() throws {
        let one = Self.doubles([7])
        let cases: [(String, [Int], UInt8)] = [
            ("{'shape': (1,), 'fortran_order': False, 'descr': '<f8'}", [1], 1),
            ("{ \"descr\" : \"=f8\" ,\"fortran_order\":False,\"shape\":[1] }", [1], 1),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 1L), }", [1, 1], 1),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", [], 2),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1, ), }", [1], 3),
        ]
        for (header, shape, version) in cases {
            let data = Self.npyBytes(header: header, payload: one, version: version)
            XCTAssertEqual(try NumPyFile.read(data: data, name: "v.npy"), Tensor(shape: shape, storage: .float64([7])), header)
        }
        let unpadded = Self.npyBytes(header: "{'descr':'<f8','fortran_order':False,'shape':(1,)}", payload: one, pad: false)
        XCTAssertEqual(try NumPyFile.read(data: unpadded, name: "u.npy").shape, [1])
    }

    func testBigEndianIsSwapped() throws {
        let payload = [Float(1.5), -2].flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian) { Array($0) } }
        let data = Self.npyBytes(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", payload: payload)
        XCTAssertEqual(try NumPyFile.read(data: data, name: "b.npy").storage, .float32([1.5, -2]))
    }

    func testTensorMatrixConversion() throws {
        let tensor = Tensor(shape: [2, 2], storage: .float64([1, 2, 3, 4.5]))
        XCTAssertEqual(try tensor.matrix(Float.self, name: "x"), Matrix<Float>([[1, 2], [3, 4.5]]))
        XCTAssertEqual(try Tensor(Matrix<Float>([[1, 2]])).matrix(Double.self, name: "x"), Matrix<Double>([[1, 2]]))
        XCTAssertEqual(tensor.elementCount, 4)
        let cube = Tensor(shape: [2, 3, 4], storage: .float32(Array(repeating: 0, count: 24)))
        assertFormatError(try cube.matrix(Double.self, name: "x"), contains: "tensor has shape [2, 3, 4]; a 2-D matrix is needed")
        do {
            _ = try cube.matrix(Double.self, name: "cube.npy")
        } catch let error as FileFormatError {
            XCTAssertEqual(error.description, "cube.npy: tensor has shape [2, 3, 4]; a 2-D matrix is needed")
        }
    }
}
