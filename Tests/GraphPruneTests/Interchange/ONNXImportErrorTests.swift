import Foundation
import XCTest
@testable import GraphPruneIO
@testable import GraphPruneInterchange
@testable import GraphPruneNetwork

/// What the ONNX importer refuses, each as one line naming the node, its op type and the
/// problem: fixtures edited the way a foreign exporter or a damaged file differs.
final class ONNXImportErrorTests: XCTestCase {
    private func fixture(_ name: String) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: Data(contentsOf: ONNXImportTests.fixtures.appendingPathComponent("\(name).onnx")))
    }

    /// Asserts that importing `model` fails with one line containing every part of `expected`.
    private func assertRefused(_ model: Onnx_ModelProto, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try model.serializedData()
        XCTAssertThrowsError(try ONNXImport.read(data, name: "edited.onnx"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.hasPrefix("edited.onnx: "), text, file: file, line: line)
            for part in expected { XCTAssertTrue(text.contains(part), "'\(part)' missing from: \(text)", file: file, line: line) }
        }
    }

    private func editing(_ name: String, opType: String, _ edit: (inout Onnx_NodeProto) -> Void) throws -> Onnx_ModelProto {
        var model = try fixture(name)
        let k = try XCTUnwrap(model.graph.node.firstIndex { $0.opType == opType })
        edit(&model.graph.node[k])
        return model
    }

    private func setInts(_ node: inout Onnx_NodeProto, _ key: String, _ values: [Int64]) {
        node.attribute.removeAll { $0.name == key }
        var a = Onnx_AttributeProto()
        (a.name, a.type, a.ints) = (key, .ints, values)
        node.attribute.append(a)
    }

    func testNotAnONNXFileIsOneLine() {
        XCTAssertThrowsError(try ONNXImport.read(Data("not a model".utf8), name: "text.onnx")) {
            XCTAssertTrue("\($0)".hasPrefix("text.onnx: not an ONNX model"), "\($0)")
        }
    }

    func testUnsupportedOpsAndAttributesNameTheNode() throws {
        try assertRefused(try editing("mlp", opType: "Relu") { $0.opType = "Softmax" }, ["node '/Relu' (Softmax)", "op type Softmax is not supported"])
        try assertRefused(try editing("resnet-bn", opType: "Conv") { setInts(&$0, "dilations", [2, 1]) }, ["(Conv)", "dilations [2, 1] are not supported"])
        try assertRefused(try editing("resnet-bn", opType: "Conv") { setInts(&$0, "pads", [1, 1, 0, 0]) }, ["(Conv)", "pads [1, 1, 0, 0] are not supported"])
        try assertRefused(try editing("resnet-bn", opType: "MaxPool") { setInts(&$0, "kernel_shape", [3, 2]) }, ["(MaxPool)", "kernel_shape [3, 2]"])
        try assertRefused(try editing("mlp", opType: "Gemm") { node in
            var a = Onnx_AttributeProto()
            (a.name, a.type, a.i) = ("transA", .int, 1)
            node.attribute.append(a)
        }, ["(Gemm)", "transA 1 is not supported"])
        try assertRefused(try editing("resnet-bn", opType: "BatchNormalization") { $0.domain = "com.microsoft" }, ["(BatchNormalization)", "domain 'com.microsoft'"])
    }

    func testAMulOfActivationsThatDoNotBroadcastIsRefused() throws {
        // Relu(fc1(x)) · x: 16 features against the 12 inputs.
        var model = try fixture("mlp")
        let k = try XCTUnwrap(model.graph.node.firstIndex { $0.opType == "Relu" })
        var mul = Onnx_NodeProto()
        (mul.opType, mul.name, mul.input, mul.output) = ("Mul", "gate", [model.graph.node[k].output[0], "input"], ["gated"])
        model.graph.node[k + 1].input[0] = "gated"
        model.graph.node.insert(mul, at: k + 1)
        try assertRefused(model, ["node 'gate' (Mul)", "Mul of activations of shapes [1, 1, 16] and [1, 1, 12] is not supported"])
    }

    func testBadFilesAndGraphsAreRefused() throws {
        var old = try fixture("mlp")
        old.opsetImport[0].version = 9
        try assertRefused(old, ["opset 9 of the default domain is not supported (11–21)"])

        var external = try fixture("resnet-bn")
        external.graph.initializer[0].dataLocation = .external
        try assertRefused(external, ["initializer '\(external.graph.initializer[0].name)'", "external file"])

        var truncated = try fixture("resnet-bn")
        truncated.graph.initializer[0].rawData = truncated.graph.initializer[0].rawData.prefix(6)
        try assertRefused(truncated, ["6 bytes of raw data"])

        var half = try fixture("mlp")
        let w = try XCTUnwrap(half.graph.initializer.firstIndex { $0.name == "fc1.weight" })
        half.graph.initializer[w].dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        try assertRefused(half, ["'fc1.weight'", "FLOAT16"])

        var twoOutputs = try fixture("mlp")
        twoOutputs.graph.output.append(twoOutputs.graph.output[0])
        try assertRefused(twoOutputs, ["2 outputs"])

        var imageInput = try fixture("resnet-bn")
        imageInput.graph.input[0].type.tensorType.shape.dim.removeLast()
        try assertRefused(imageInput, ["input 'input' has shape [N, 3, 16]"])

        var wrongWeight = try fixture("resnet-bn")
        let c = try XCTUnwrap(wrongWeight.graph.initializer.firstIndex { $0.name == "conv1.weight" })
        wrongWeight.graph.initializer[c].dims = [8, 4, 3, 3]
        try assertRefused(wrongWeight, ["initializer 'conv1.weight'", "864 bytes of raw data; dims [8, 4, 3, 3] need 1152"])
        wrongWeight.graph.initializer[c].rawData = Data(count: 1152)
        try assertRefused(wrongWeight, ["(Conv)", "weight of shape [8, 4, 3, 3] with 1 groups does not fit 3 input channels"])
    }
}
