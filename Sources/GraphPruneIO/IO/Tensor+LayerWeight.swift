import GraphPruneNumerics

extension Tensor {
    /// Whether the tensor is a layer's weights: 2-D (a dense layer, out × in) or 4-D (a
    /// convolution, `C_out × C_in × K_h × K_w`, PyTorch's layout).
    public var isLayerWeight: Bool { shape.count == 2 || shape.count == 4 }

    /// The layer as the biadjacency of its bipartite graph, **out × in**: a dense layer as is;
    /// a convolution unfolded to `C_out × (C_in · K_h · K_w)` (paper 004: every input channel at
    /// every kernel offset is an input node). In C order this is the same storage, so a mask of
    /// the unfolded matrix reshapes back to the tensor's shape unchanged.
    public func unfoldedLayer(name: String) throws -> Matrix<Double> {
        guard isLayerWeight else {
            throw FileFormatError(file: name, problem: "tensor has shape \(shape); a 2-D or 4-D layer weight is needed")
        }
        let columns = shape.dropFirst().reduce(1, *)
        let elements: [Double]
        switch storage {
        case .float32(let values): elements = values.map { Double($0) }
        case .float64(let values): elements = values
        }
        return Matrix(rows: shape[0], columns: columns, elements: elements)
    }

    /// A tensor of this shape holding `matrix`'s entries (C order), in this tensor's precision.
    public func reshaped(from matrix: Matrix<Double>) -> Tensor {
        precondition(matrix.elements.count == elementCount, "element counts differ")
        switch storage {
        case .float32: return Tensor(shape: shape, storage: .float32(matrix.elements.map { Float($0) }))
        case .float64: return Tensor(shape: shape, storage: .float64(matrix.elements))
        }
    }
}
