import GraphPruneNumerics

extension EffectiveResistance {
    /// How a layer's resistances were computed.
    public enum LayerMethod: String, Sendable, CaseIterable {
        /// `bySchurComplement`, exact in matrix-multiply time (the default).
        case exactSchur = "exact-schur"
        /// The pseudo-inverse of the whole bipartite graph's Laplacian, exact, O((n₁ + n₂)³).
        case exactPinv = "exact-pinv"
        /// Spielman–Srivastava random projection + conjugate gradients.
        case approximate
    }

    /// The resistance of every edge of a layer, laid out like `biadjacency` (`n₁ × n₂`,
    /// non-negative edge weights, 0 = no edge; 0 in the result where there is no edge).
    public static func forLayer(
        biadjacency b: Matrix<Double>, method: LayerMethod,
        approximation: ApproximateEffectiveResistance = ApproximateEffectiveResistance()
    ) throws -> Matrix<Double> {
        if method == .exactSchur { return try bySchurComplement(biadjacency: b) }
        try requireNonNegative(b.elements)
        let network = try NetworkGraph(scores: [b])
        let values = method == .exactPinv
            ? try byPseudoinverse(network.graph)
            : try approximation.resistances(of: network.graph).values
        var result = Matrix<Double>(rows: b.rows, columns: b.columns)
        for k in b.elements.indices where b.elements[k] > 0 {
            result.elements[k] = network.value(values, layer: 0, index: k, columns: b.columns)
        }
        return result
    }
}
