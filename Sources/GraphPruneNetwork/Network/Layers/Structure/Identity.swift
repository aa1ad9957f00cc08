import GraphPruneIO
import GraphPruneNumerics

/// `y = x`: the operation of the graph's structural nodes. As `Identity` it passes an
/// activation on; as the node of a residual **Add** it passes on the sum of its inputs, which
/// the network forms (`Network`: a node with several inputs acts on their sum, and its input
/// gradient goes to each of them); as **Flatten** it changes only the shape the architecture
/// records (`C × H × W` → `C·H·W`), since activations are flat rows already.
/// - Complexity: one copy of the batch per pass.
public struct Identity: StatelessLayer {
    public init() {}

    public func outputSize(inputSize: Int) -> Int { inputSize }

    public mutating func forward(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        output.assign(input)
    }

    public mutating func backward(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        inputGradient.assign(outputGradient)
    }
}

extension Identity {
    /// Elementwise: unchanged.
    public func restricted(to selection: UnitSelection) -> any Layer { self }
    public var pathOperation: PathOperation { .identity }
}
