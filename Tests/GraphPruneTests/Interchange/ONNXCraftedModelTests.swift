import Foundation
import XCTest
@testable import GraphPruneIO
@testable import GraphPruneInterchange
@testable import GraphPruneNetwork
@testable import GraphPruneNumerics

/// Small ONNX graphs written by hand, for what exporters rarely produce: aliases between a
/// MatMul and its bias, masks the graph does not read, attribute values other than 0 and 1,
/// sizes that would overflow, image inputs of one row. Each checks the import against the
/// ONNX semantics computed here, or the one error line.
final class ONNXCraftedModelTests: XCTestCase {
    /// A graph with one float input of `dims` (batch symbolic) and one output `y`.
    struct Graph {
        var proto = Onnx_ModelProto()

        init(input dims: [Int64], opset: Int64 = 17) {
            proto.irVersion = 8
            var id = Onnx_OperatorSetIdProto()
            id.version = opset
            proto.opsetImport = [id]
            proto.graph.input = [Self.valueInfo("x", dims)]
            proto.graph.output = [Self.valueInfo("y", [])]
        }

        static func valueInfo(_ name: String, _ dims: [Int64]) -> Onnx_ValueInfoProto {
            var info = Onnx_ValueInfoProto()
            info.name = name
            info.type.tensorType.elemType = 1
            var batch = Onnx_TensorShapeProto.Dimension()
            batch.dimParam = "N"
            info.type.tensorType.shape.dim = [batch] + dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = d
                return dim
            }
            return info
        }

        mutating func constant(_ name: String, _ dims: [Int64], _ values: [Float]) {
            var t = Onnx_TensorProto()
            (t.name, t.dims, t.dataType, t.floatData) = (name, dims, 1, values)
            proto.graph.initializer.append(t)
        }

        mutating func node(_ op: String, _ inputs: [String], _ output: String, ints: [String: [Int64]] = [:], int: [String: Int64] = [:], float: [String: Float] = [:], string: [String: String] = [:]) {
            var n = Onnx_NodeProto()
            (n.opType, n.name, n.input, n.output) = (op, output, inputs, [output])
            for (key, values) in ints.sorted(by: { $0.key < $1.key }) {
                var a = Onnx_AttributeProto()
                (a.name, a.type, a.ints) = (key, .ints, values)
                n.attribute.append(a)
            }
            for (key, value) in int.sorted(by: { $0.key < $1.key }) {
                var a = Onnx_AttributeProto()
                (a.name, a.type, a.i) = (key, .int, value)
                n.attribute.append(a)
            }
            for (key, value) in float.sorted(by: { $0.key < $1.key }) {
                var a = Onnx_AttributeProto()
                (a.name, a.type, a.f) = (key, .float, value)
                n.attribute.append(a)
            }
            for (key, value) in string.sorted(by: { $0.key < $1.key }) {
                var a = Onnx_AttributeProto()
                (a.name, a.type, a.s) = (key, .string, Data(value.utf8))
                n.attribute.append(a)
            }
            proto.graph.node.append(n)
        }

        func load() throws -> Network { try ONNXImport.read(try proto.serializedData(), name: "crafted.onnx").model }
    }

    private func assertRefused(_ graph: Graph, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try graph.load(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix("crafted.onnx: ") && "\(error)".contains(fragment) && !"\(error)".contains("\n"), "\(error)", file: file, line: line)
        }
    }

    private let w: [Float] = [0.5, -1, 2, 0.25, 1.5, -0.5]  // 2 × 3, or 3 × 2

    func testABiasAfterAnAliasedMatMulIsNotFolded() throws {
        // m = x·W (3 → 2); i = Identity(m); y = (i + b) + relu(i): the Relu reads m without b.
        var g = Graph(input: [3])
        g.constant("W", [3, 2], w)
        g.constant("b", [2], [10, -20])
        g.node("MatMul", ["x", "W"], "m")
        g.node("Identity", ["m"], "i")
        g.node("Add", ["i", "b"], "a")
        g.node("Relu", ["i"], "r")
        g.node("Add", ["a", "r"], "y")
        let model = try g.load()
        let x = Matrix<Float>(rows: 1, columns: 3, elements: [1, 2, 3])
        let m = [1 * w[0] + 2 * w[2] + 3 * w[4], 1 * w[1] + 2 * w[3] + 3 * w[5]]
        XCTAssertEqual(model.logits(x).elements, [m[0] + 10 + max(0, m[0]), m[1] - 20 + max(0, m[1])])
    }

    func testAMaskTheWeightsDoNotFollowIsLeftAlone() throws {
        var g = Graph(input: [3])
        g.constant("fc.weight", [2, 3], w)
        g.constant("fc.weight_mask", [2, 3], [1, 0, 0, 0, 0, 1])
        g.node("Gemm", ["x", "fc.weight"], "y", int: ["transB": 2])  // any nonzero transB transposes
        let model = try g.load()
        XCTAssertEqual(model.architecture.layers, [.dense(outputs: 2)])
        let x = Matrix<Float>(rows: 1, columns: 3, elements: [1, 2, 3])
        XCTAssertEqual(model.logits(x).elements, [w[0] + 2 * w[1] + 3 * w[2], w[3] + 2 * w[4] + 3 * w[5]])
    }

    func testAttributesAndConstantsReadAsONNXReadsThem() throws {
        var g = Graph(input: [1, 4, 4])
        g.constant("lo", [], [0])
        g.constant("hi", [], [123456.79])
        g.node("Clip", ["x", "lo", "hi"], "c")
        g.node("AveragePool", ["c"], "p", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]], int: ["count_include_pad": 7])
        g.node("ReduceMean", ["p"], "y", ints: ["axes": [2, 3]], int: ["keepdims": 5])
        let model = try g.load()
        XCTAssertTrue(model.architecture.layers.contains(.clip(minimum: 0, maximum: Double("\(Float(123456.79))")!)))
        XCTAssertTrue(model.architecture.layers.contains(.pooling(.init(.average, window: PoolingWindow(kernel: 3, stride: 2, padding: 1), countsPadding: true))))
        var valid = Graph(input: [1, 6, 6])
        valid.node("MaxPool", ["x"], "y", ints: ["kernel_shape": [2, 2], "pads": [1, 1, 1, 1]], string: ["auto_pad": "VALID"])
        assertRefused(valid, "(MaxPool): pads [1, 1, 1, 1] contradict auto_pad VALID")
    }

    func testSizesThatWouldOverflowAreOneLine() {
        var pads = Graph(input: [1, 4, 4])
        pads.constant("w", [2, 1, 1, 1], [1, 1])
        pads.node("Conv", ["x", "w"], "y", ints: ["pads": [1 << 62, 1 << 62, 1 << 62, 1 << 62]])
        assertRefused(pads, "(Conv)")
        var pool = Graph(input: [1, 4, 4])
        pool.node("MaxPool", ["x"], "y", ints: ["kernel_shape": [1 << 62, 1 << 62], "pads": [1 << 62, 1 << 62, 1 << 62, 1 << 62]])
        assertRefused(pool, "(MaxPool)")
        var huge = Graph(input: [1 << 24, 1 << 24, 1 << 24])
        huge.node("Flatten", ["x"], "y")
        assertRefused(huge, "more than \(Architecture.activationLimit) features per sample")
        var empty = Graph(input: [3, 4, 4])
        empty.constant("w", [0, 3, 3, 3], [])
        empty.node("Conv", ["x", "w"], "c")
        empty.node("BatchNormalization", ["c", "s", "b", "m", "v"], "y")
        assertRefused(empty, "(Conv): convolution filters 0")
    }

    func testAGateMustHaveOneValuePerChannelOfAnImage() {
        // x (N × 5) times sigmoid(x·g) (N × 1): not a channel gate of an image.
        var g = Graph(input: [5])
        g.constant("g", [1, 5], [1, 1, 1, 1, 1])
        g.node("Gemm", ["x", "g"], "s", int: ["transB": 1])
        g.node("Sigmoid", ["s"], "t")
        g.node("Mul", ["x", "t"], "y")
        assertRefused(g, "Mul of activations of shapes [1, 1, 5] and [1, 1, 1] is not supported")
    }

    func testOneRowImagesAndEvenSamePaddingExportAndImportAgain() throws {
        // N × 1 × 1 × 8 into a 1 × 1 convolution: the exported input stays an image.
        var g = Graph(input: [1, 1, 8])
        g.constant("conv.weight", [2, 1, 1, 1], [2, -1])
        g.node("Conv", ["x", "conv.weight"], "c")
        g.node("Flatten", ["c"], "y")
        let model = try g.load()
        let again = try ONNXImport.read(try ONNXExport.serialized(model), name: "again.onnx").model
        let x = Matrix<Float>(rows: 2, columns: 8, elements: (0..<16).map { Float($0) })
        XCTAssertEqual(again.logits(x).elements, model.logits(x).elements)
        // The chain grammar's even kernel with `same` padding (one more zero after).
        let chain = Network(architecture: try Architecture.parse("c3/2-p-4", inputShape: [1, 6, 6]), initializer: .glorotUniform, seed: 1)
        let back = try ONNXImport.read(try ONNXExport.serialized(chain), name: "even.onnx").model
        XCTAssertEqual(back.architecture.layers.first, .conv2d(filters: 3, kernel: 2, same: true))
        let images = Matrix<Float>(rows: 2, columns: 36, elements: (0..<72).map { Float($0 % 7) })
        XCTAssertEqual(back.logits(images).elements, chain.logits(images).elements)
    }
}
