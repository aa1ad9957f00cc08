import Foundation
import XCTest
@testable import GraphPruneIO


final class SafetensorsIOTests: XCTestCase {
    /// A file built by hand from a header JSON string (unpadded) and the data bytes.
    static func file(_ json: String, _ payload: [UInt8]) -> Data {
        let header = Array(json.utf8)
        return Data(littleEndian(UInt64(header.count)) + header + payload)
    }

    static func halves(_ bits: [UInt16]) -> [UInt8] { bits.flatMap { littleEndian($0) } }

    let sample: [String: Tensor] = [
        "layer1.weight": Tensor(shape: [2, 3], storage: .float32([1, -2, 3.5, 0, 1e-3, 7])),
        "layer1.bias": Tensor(shape: [2], storage: .float64([0.25, -0.125])),
        "scale": Tensor(shape: [], storage: .float64([3])),
        "empty": Tensor(shape: [0, 4], storage: .float32([])),
        "name with \"quotes\"\n": Tensor(shape: [1], storage: .float32([9])),
    ]

    func testRoundTripWithMetadata() throws {
        let metadata = ["format": "pt", "note": "μ = 0.5, \"quoted\"\t"]
        let data = SafetensorsFile.encode(sample, metadata: metadata)
        let (tensors, readMetadata) = try SafetensorsFile.read(data: data, name: "m.safetensors")
        XCTAssertEqual(tensors, sample)
        XCTAssertEqual(readMetadata, metadata)
        let (plain, noMetadata) = try SafetensorsFile.read(data: SafetensorsFile.encode(sample), name: "m")
        XCTAssertEqual(plain, sample)
        XCTAssertEqual(noMetadata, [:])
    }

    func testWrittenLayoutIsSortedContiguousAndPadded() throws {
        let data = SafetensorsFile.encode(sample, metadata: ["a": "b"])
        let headerSize = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerSize % 8, 0)
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: data[8..<(8 + headerSize)]) as? [String: Any])
        XCTAssertEqual(json["__metadata__"] as? [String: String], ["a": "b"])
        let header = String(decoding: data[8..<(8 + headerSize)], as: UTF8.self)
        let names = sample.keys.sorted()
        let positions = names.map { header.range(of: jsonString($0))?.lowerBound }
        XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted())
        var expectedBegin = 0
        for name in names {
            let entry = try XCTUnwrap(json[name] as? [String: Any])
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            XCTAssertEqual(offsets[0], expectedBegin, name)
            expectedBegin = offsets[1]
        }
        XCTAssertEqual(8 + headerSize + expectedBegin, data.count)
        XCTAssertEqual((json["layer1.weight"] as? [String: Any])?["dtype"] as? String, "F32")
        XCTAssertEqual((json["layer1.bias"] as? [String: Any])?["dtype"] as? String, "F64")
    }

    func testWriteAndReadFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try SafetensorsFile.write(sample, metadata: ["k": "v"], to: url)
            let (tensors, metadata) = try SafetensorsFile.read(from: url)
            XCTAssertEqual(tensors, sample)
            XCTAssertEqual(metadata, ["k": "v"])
        }
    }

    func testHalfPrecisionDecodes() throws {
        let bits: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x3555]
        let data = Self.file(#"{"h":{"dtype":"F16","shape":[9],"data_offsets":[0,18]}}"#, Self.halves(bits))
        let tensor = try XCTUnwrap(SafetensorsFile.read(data: data, name: "h").tensors["h"])
        guard case .float32(let values) = tensor.storage else { return XCTFail("F16 must become float32") }
        XCTAssertEqual(values, [1, -2, 65504, 5.960464477539063e-08, 6.103515625e-05, -0.0, .infinity, -.infinity, 0.333251953125])
        XCTAssertEqual(values[5].sign, .minus)
        XCTAssertTrue(HalfPrecision.float(fromHalf: 0x7E00).isNaN)
    }

    func testBFloat16Decodes() throws {
        let data = Self.file(
            #"{"__metadata__":{"dtype":"bf16"},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}"#,
            Self.halves([0x3F80, 0xC040, 0x4049, 0x0000]))
        let (tensors, metadata) = try SafetensorsFile.read(data: data, name: "b")
        XCTAssertEqual(tensors["b"], Tensor(shape: [2, 2], storage: .float32([1, -3, 3.140625, 0])))
        XCTAssertEqual(metadata, ["dtype": "bf16"])
    }

    /// As the reference `safetensors` library: the tensors must tile the data section in the
    /// order of their offsets (listed in any order in the header), without overlaps, gaps or
    /// trailing bytes, so that no tensor aliases another.
    func testOffsetsMustTileTheData() throws {
        let payload = [Float(1), 2, 3].flatMap { littleEndian($0.bitPattern) }
        let unordered = Self.file(
            #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, payload)
        let tensors = try SafetensorsFile.read(data: unordered, name: "o").tensors
        XCTAssertEqual(tensors["a"]?.storage, .float32([1, 2]))
        XCTAssertEqual(tensors["b"]?.storage, .float32([3]))
        let cases: [(String, String)] = [
            (#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "overlap the previous tensor's bytes"),
            (#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, "leave a gap after byte 4"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "4 bytes belong to no tensor"),
        ]
        for (header, fragment) in cases {
            XCTAssertThrowsError(try SafetensorsFile.read(data: Self.file(header, payload), name: "o")) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
    }

    func testMalformedFiles() {
        let eight = [UInt8](repeating: 0, count: 8)
        let cases: [(Data, String)] = [
            (Data([1, 0, 0]), "too short for the 8-byte header size"),
            (Data(littleEndian(UInt64(1000)) + Array("{}".utf8)), "header size 1000 is larger than the 2 bytes after it"),
            (Data(littleEndian(UInt64.max) + Array("{}".utf8)), "is larger than the 2 bytes"),
            (Self.file("{not json", []), "header is not valid JSON"),
            (Self.file("[1, 2]", []), "header is not a JSON object"),
            (Self.file(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, eight), "tensor 'w' has unsupported dtype 'I64'"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, eight), "reach past the end of the data (8 bytes"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, eight), "end before they begin"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight), "shape [3] of F32 needs 12 bytes, data_offsets span 8"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight), "negative shape entry -2"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, eight), "data_offsets must be [begin, end]"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, eight), "negative"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, eight), "tensor 'w' field 'shape'"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[1e30],"data_offsets":[0,8]}}"#, eight), "tensor 'w' field 'shape'"),
            (Self.file(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, eight), "tensor 'w' has no 'shape' field"),
            (Self.file(#"{"w":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}"#, eight), "tensor 'w' field 'dtype' must be a string"),
            (Self.file(#"{"w":[1]}"#, eight), "tensor 'w'"),
            (Self.file(#"{"__metadata__":{"n":1}}"#, []), "metadata key 'n' must be a string, got 1"),
            (Self.file(#"{"__metadata__":[]}"#, []), "metadata must be an object"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,true]}}"#, eight), "must be a list of integers, got true"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, eight), "header repeats key 'w'"),
            (Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, eight), "unexpected text after the JSON value"),
            (Self.file(#"{"w\x":1}"#, []), "invalid escape"),
            (Self.file(#"{"w\uD800":1}"#, []), "unpaired surrogate"),
            (Self.file(#"{"w":01}"#, []), "malformed number"),
            (Self.file(String(repeating: "[", count: 5000), []), "nested too deeply"),
            (Data(littleEndian(UInt64(4)) + [0x7B, 0x22, 0xFF, 0x7D]), "not valid UTF-8"),
            (Self.file(#"{"w":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, eight), "more than fit in memory"),
        ]
        for (data, fragment) in cases {
            assertFormatError(try SafetensorsFile.read(data: data, name: "bad.safetensors"), contains: fragment)
        }
    }

    func testEveryTruncationThrows() {
        let data = SafetensorsFile.encode(["a": Tensor(shape: [2], storage: .float64([1, 2])), "b": Tensor(shape: [1], storage: .float32([3]))])
        for length in 0..<data.count {
            XCTAssertThrowsError(try SafetensorsFile.read(data: data.prefix(length), name: "cut"), "length \(length)") { error in
                XCTAssertTrue(error is FileFormatError)
            }
        }
    }

    func testRandomCorruptionNeverCrashes() {
        let original = SafetensorsFile.encode(sample, metadata: ["k": "v"])
        var random = TestBytes(state: 0x0123_4567_89AB_CDEF)
        for _ in 0..<1_000 {
            var data = original
            for _ in 0..<(1 + random.below(3)) {
                data[random.below(min(data.count, 300))] = UInt8(truncatingIfNeeded: random.next())
            }
            if let (tensors, _) = try? SafetensorsFile.read(data: data, name: "r") {
                for tensor in tensors.values { XCTAssertEqual(Tensor.elementCount(of: tensor.shape), tensor.elementCount) }
            }
        }
    }
}
