import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneCLI

/// `graphprune resistance` and `graphprune sparsify`, in process.
final class SparsificationCommandTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory("graphprune-sparsify") }

    override func tearDown() { directory = nil }

    private func path(_ name: String) -> String { directory.path(name) }

    func testResistanceWritesTheLayerShapeAndMatchesThePseudoinverse() throws {
        var w = EffectiveResistanceTests.layer(9, 6, seed: 3)
        w[2, 4] = 0
        w[5, 1] = -w[5, 1]  // a negative weight: the edge weight is |w|
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(w), to: URL(fileURLWithPath: npy))
        for method in ["exact-schur", "exact-pinv"] {
            let out = path("\(method).npy")
            try ResistanceCommand.parse(["--weights", npy, "--method", method, "--output", out]).run()
            let r = try NumPyFile.read(from: URL(fileURLWithPath: out))
            XCTAssertEqual(r.shape, [9, 6])
            guard case .float64(let values) = r.storage else { return XCTFail("not float64") }
            let absolute = Matrix(rows: 9, columns: 6, elements: w.elements.map { abs($0) })
            let reference = try EffectiveResistanceTests.reference(absolute)
            XCTAssertClose(values, reference.elements, tolerance: 1e-12, method)
            XCTAssertEqual(values[2 * 6 + 4], 0)
        }
    }

    func testSparsifyOneMatrixAndAllLayers() throws {
        let dense = EffectiveResistanceTests.layer(12, 10, seed: 4)
        let conv = Tensor(shape: [4, 2, 3, 3], storage: .float32((0..<72).map { Float(($0 * 37) % 11) - 5 }))
        let st = path("model.safetensors")
        try SafetensorsFile.write(
            ["fc.weight": Tensor(dense), "conv.weight": conv, "fc.bias": Tensor(shape: [12], storage: .float64(Array(repeating: 1, count: 12)))],
            metadata: ["source": "test"], to: URL(fileURLWithPath: st))

        let one = path("mask.npy")
        try SparsifyCommand.parse(["--weights", st, "--tensor", "fc.weight", "--density", "0.25", "--method", "spectral", "--seed", "3", "--output", one]).run()
        let mask = try NumPyFile.read(from: URL(fileURLWithPath: one))
        XCTAssertEqual(mask.shape, [12, 10])
        guard case .float32(let m) = mask.storage else { return XCTFail("not float32") }
        XCTAssertEqual(m.filter { $0 == 1 }.count, 30)
        XCTAssertEqual(m.filter { $0 != 0 && $0 != 1 }.count, 0)

        let all = path("masks.safetensors")
        try SparsifyCommand.parse(["--weights", st, "--all-layers", "--density", "0.5", "--method", "greedy", "--output", all]).run()
        let masks = try SafetensorsFile.read(from: URL(fileURLWithPath: all))
        XCTAssertEqual(Set(masks.tensors.keys), ["fc.weight", "conv.weight"])
        XCTAssertEqual(masks.tensors["conv.weight"]!.shape, [4, 2, 3, 3])
        XCTAssertEqual(masks.metadata["source"], "test")
        XCTAssertNotNil(masks.metadata["graphprune"])
        guard case .float32(let c) = masks.tensors["conv.weight"]!.storage else { return XCTFail("not float32") }
        let nonzero = conv.unfoldedLayerCount
        XCTAssertEqual(c.filter { $0 != 0 }.count, Int((0.5 * Double(nonzero)).rounded()))
    }

    func testAllLayersOfASparseCheckpointUseItsMasksInLayerOrder() throws {
        // A sparse checkpoint: layers.2 and layers.10 (natural order), each with a .mask.
        var w2 = EffectiveResistanceTests.layer(6, 5, seed: 1), w10 = EffectiveResistanceTests.layer(3, 6, seed: 2)
        var m2 = Matrix<Double>(rows: 6, columns: 5, repeating: 1), m10 = Matrix<Double>(rows: 3, columns: 6, repeating: 1)
        w2[0, 0] = 0            // a connection holding the weight 0: still a candidate
        m2[5, 4] = 0; w2[5, 4] = 0  // no connection
        m10[0, 0] = 0; w10[0, 0] = 0
        let st = path("sparse.safetensors")
        try SafetensorsFile.write([
            "layers.2.weight": Tensor(w2), "layers.2.mask": Tensor(m2),
            "layers.10.weight": Tensor(w10), "layers.10.mask": Tensor(m10),
        ], to: URL(fileURLWithPath: st))
        let out = path("masks.safetensors")
        try SparsifyCommand.parse(["--weights", st, "--all-layers", "--density", "1", "--method", "greedy", "--global", "--output", out]).run()
        let masks = try SafetensorsFile.read(from: URL(fileURLWithPath: out)).tensors
        XCTAssertEqual(Set(masks.keys), ["layers.2.weight", "layers.10.weight"])
        guard case .float32(let k2) = masks["layers.2.weight"]!.storage else { return XCTFail() }
        XCTAssertEqual(k2.filter { $0 != 0 }.count, 29)
        XCTAssertEqual(k2[0], 1)
        XCTAssertTrue(naturalOrder("layers.2.weight", "layers.10.weight"))
        XCTAssertFalse(naturalOrder("layers.10.weight", "layers.2.weight"))
        XCTAssertTrue(naturalOrder("a.bias", "a.weight"))
    }

    func testBadOptionsAreRejectedBeforeAnyOutput() throws {
        let npy = path("w.npy")
        try NumPyFile.write(Tensor(EffectiveResistanceTests.layer(4, 3, seed: 1)), to: URL(fileURLWithPath: npy))
        let out = path("never.npy")
        let cases: [([String], String)] = [
            (["--density", "0", "--method", "spectral"], "--density"),
            (["--density", "1.5", "--method", "greedy"], "--density"),
            (["--density", "0.5", "--method", "greedy", "--score", "snip"], "--score"),
            (["--density", "0.5", "--method", "greedy", "--all-layers"], "--output"),
        ]
        for (arguments, fragment) in cases {
            XCTAssertThrowsError(try SparsifyCommand.parse(["--weights", npy, "--output", out] + arguments).run()) {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        XCTAssertThrowsError(try ResistanceCommand.parse(["--weights", npy, "--method", "approximate", "--epsilon", "2"]).run())
    }
}

private extension Tensor {
    var unfoldedLayerCount: Int {
        switch storage {
        case .float32(let v): return v.filter { $0 != 0 }.count
        case .float64(let v): return v.filter { $0 != 0 }.count
        }
    }
}
