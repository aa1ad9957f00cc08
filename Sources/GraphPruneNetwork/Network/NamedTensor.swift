import GraphPruneIO

/// One state tensor of a layer: its name relative to the layer's node and its values.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var tensor: Tensor

    public init(_ name: String, _ tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }

    /// A vector tensor.
    public init(_ name: String, vector: [Float]) {
        self.init(name, Tensor(shape: [vector.count], storage: .float32(vector)))
    }
}
