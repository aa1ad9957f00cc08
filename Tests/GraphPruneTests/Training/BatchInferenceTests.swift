import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneNetwork

/// `BatchInference` answers as `Network.logits` does (evaluation mode) on a chain, a CNN and a
/// residual graph, call after call on its reused buffers, and leaves the model untouched.
final class BatchInferenceTests: XCTestCase {
    private typealias S = NetworkTestSupport

    func testLogitsEqualTheNetworksOnChainsAndGraphs() throws {
        for (spec, shape) in [("12-8-4", [1, 3, 4]), ("c4-p-6-3", [2, 6, 6]), ("resnet20", [1, 8, 8])] {
            let model = Network(architecture: try Architecture.parse(spec, inputShape: shape, dropout: 0.3), initializer: .glorotUniform, seed: 3)
            let inputs = model.architecture.sizes[0], classes = model.architecture.sizes.last!
            var inference = BatchInference(model, batch: 5)
            XCTAssertEqual(inference.inputs, inputs)
            XCTAssertEqual(inference.classes, classes)
            var logits = Matrix<Float>(rows: 5, columns: classes)
            for seed in [UInt64(1), 2] {  // a second call on the same buffers
                let x = S.matrix(5, inputs, seed: seed)
                inference.forward(x, into: &logits)
                XCTAssertEqual(logits, model.logits(x), "\(spec) call \(seed)")
            }
        }
    }
}
