import GraphPruneNumerics

/// Connectivity diagnostics of one layer's bipartite graph (paper 004, Fig. 3): how many pieces
/// pruning has cut the layer into, how many neurons it has cut off entirely (layer collapse), and
/// the spectral gap λ₂ of what is left.
///
/// **Orientation.** `edgeWeights` is **out × in** (PyTorch `nn.Linear`): entry `(j, i)` is the
/// weight of the edge between output neuron `j` and input neuron `i`, and zero means "no edge".
/// The graph is the one `LayeredGraph(edgeWeights: [edgeWeights])` builds: node ids `0..<in` are
/// the inputs, `in..<in + out` the outputs.
///
/// **The mathematics.** Let `H` be the largest connected component (most nodes; among equally
/// large ones, the one holding the lowest node id, i.e. inputs before outputs), with `r` outputs
/// and `c` inputs, and let `B` (`r × c`) be the weights restricted to `H`. With the weighted
/// degrees `D_r = diag(B 1)`, `D_c = diag(Bᵀ 1)` and
///
///     C = D_r^{-1/2} B D_c^{-1/2}          (r × c, singular values 1 = σ₁ ≥ σ₂ ≥ … ≥ σ_k, k = min(r, c))
///
/// the normalised adjacency `D^{-1/2} A D^{-1/2} = [[0, C], [Cᵀ, 0]]` has eigenvalues `±σ_i` and
/// `0` with multiplicity `|r − c|`, so the normalised Laplacian `L = I − D^{-1/2} A D^{-1/2}` of `H`
/// has the spectrum `{1 − σ_i, 1 + σ_i : i = 1…k} ∪ {1 (× |r − c|)}`. (σ₁ = 1 exactly because `H`
/// is connected: `D_r^{1/2} 1` and `D_c^{1/2} 1` are its singular vectors.) Since
/// `1 − σ_i ≤ 1 ≤ 1 + σ_i`, the second smallest eigenvalue `lambda2` is
///
/// | `H`                                    | spectrum of `L`          | `lambda2`  |
/// |----------------------------------------|--------------------------|------------|
/// | no edge at all (`r + c ≤ 1`)           | `{0}` or empty           | `0` (*)    |
/// | one edge, `K₂` (`r = c = 1`)           | `{0, 2}`                 | `2`        |
/// | a star `K_{1,q}`, `q ≥ 2` (`k = 1`)    | `{0, 1 (× q − 1), 2}`    | `1`        |
/// | otherwise (`k ≥ 2`)                    | as above                 | `1 − σ₂`   |
///
/// (*) A single neuron has the 1 × 1 Laplacian `[0]` (degree-0 convention `L_uu = 0`) and no
/// second eigenvalue; 0 is reported, the value λ₂ takes for any edgeless graph of ≥ 2 nodes.
/// Star weights do not matter (`C` is a unit vector). In the last row `lambda2 ∈ [0, 1]`, with 0
/// only in the limit of a bottleneck and 1 for instance for the complete bipartite `K_{p,q}` with
/// unit weights (`σ₂ = 0`). The value is invariant under scaling all weights.
///
/// **Why an SVD of `C` and not a Gram matrix.** Both cost `O(r c k)`, but the eigenvalues of
/// `CᵀC` carry an absolute error of about `ε ‖C‖² = ε`, so `σ₂ = √λ` loses half the digits when
/// `σ₂` is small (`λ₂` near 1, e.g. an error of ~1e-8 for `K_{p,q}`). LAPACK `dgesdd`, singular
/// values only, returns `σ₂` to an absolute error of about `ε`.
///
/// - Complexity: O(in · out) to validate and count isolated neurons, O(n + m) for the components
///   (breadth-first search on `n = in + out` nodes and `m` nonzero weights), and
///   O(r c min(r, c)) time with O(r c) memory for the singular values of the component's block.
public struct LayerConnectivity: Equatable, Sendable {
    /// λ₂, the second smallest eigenvalue of the normalised Laplacian `I − D^{-1/2} A D^{-1/2}` of
    /// the largest connected component (see the table in the type's documentation: 2 for a single
    /// edge, 1 for a star, `1 − σ₂` otherwise, 0 when no neuron has an edge).
    public let lambda2: Double
    /// Connected components of the whole bipartite graph, each isolated neuron counting as one.
    public let components: Int
    /// Nodes (input plus output neurons) of the largest component.
    public let largestComponentSize: Int
    /// Input neurons (columns) without a nonzero edge: layer collapse on the input side.
    public let isolatedInputs: Int
    /// Output neurons (rows) without a nonzero edge: layer collapse on the output side.
    public let isolatedOutputs: Int

    /// The diagnostics of the layer whose edge weights are `edgeWeights`, **out × in**,
    /// non-negative (`|w|` or an edge score; `0` or `-0.0` = no edge).
    /// - Throws: `NumericalError.invalidInput` for a negative or non-finite entry,
    ///   `NumericalError.lapack` if the singular value decomposition fails.
    public init(edgeWeights: Matrix<Double>) throws {
        let outputs = edgeWeights.rows, inputs = edgeWeights.columns
        var inputHasEdge = [Bool](repeating: false, count: inputs)
        var outputHasEdge = [Bool](repeating: false, count: outputs)
        for j in 0..<outputs {
            for i in 0..<inputs {
                let w = edgeWeights.elements[j * inputs + i]
                guard w.isFinite, w >= 0 else {
                    throw NumericalError.invalidInput(
                        "edge weight (output \(j), input \(i)) = \(w): layer connectivity needs finite non-negative weights (|w| or an edge score)")
                }
                if w != 0 { inputHasEdge[i] = true; outputHasEdge[j] = true }
            }
        }
        isolatedInputs = inputHasEdge.count { !$0 }
        isolatedOutputs = outputHasEdge.count { !$0 }

        let parts = try LayeredGraph(edgeWeights: [edgeWeights]).graph.components()
        // `members` is ordered by smallest node id, so the first largest one wins ties.
        var largest = [Int]()
        for m in parts.members where m.count > largest.count { largest = m }
        components = parts.count
        largestComponentSize = largest.count
        lambda2 = try Self.lambda2(
            of: edgeWeights,
            outputs: largest.filter { $0 >= inputs }.map { $0 - inputs },
            inputs: largest.filter { $0 < inputs })
    }

    /// λ₂ of the normalised Laplacian of the connected subgraph spanned by the rows `outputs` and
    /// columns `inputs` of `w` (out × in), by the case analysis in the type's documentation.
    /// - Complexity: O(r c min(r, c)) for `r = outputs.count`, `c = inputs.count`.
    private static func lambda2(of w: Matrix<Double>, outputs: [Int], inputs: [Int]) throws -> Double {
        let r = outputs.count, c = inputs.count
        if r + c <= 1 { return 0 }
        if min(r, c) == 1 { return r == c ? 2 : 1 }

        // B restricted to the component (r × c), scaled so that its largest entry is 1: λ₂ does
        // not change, and the degree sums can neither overflow nor underflow.
        var b = Matrix<Double>(rows: r, columns: c)
        var largest = 0.0
        for (a, j) in outputs.enumerated() {
            for (k, i) in inputs.enumerated() {
                let x = w[j, i]
                b[a, k] = x
                largest = max(largest, x)
            }
        }
        var rowScale = [Double](repeating: 0, count: r)
        var columnScale = [Double](repeating: 0, count: c)
        for a in 0..<r {
            for k in 0..<c {
                let x = b[a, k] / largest
                b[a, k] = x
                rowScale[a] += x
                columnScale[k] += x
            }
        }
        // Degrees are positive inside a component; D^{-1/2} on both sides gives C. Multiplying
        // left to right keeps every intermediate ≤ max(1, √x): x ≤ d_row and x ≤ d_column.
        rowScale = rowScale.map { 1 / $0.squareRoot() }
        columnScale = columnScale.map { 1 / $0.squareRoot() }
        for a in 0..<r {
            for k in 0..<c { b[a, k] = b[a, k] * rowScale[a] * columnScale[k] }
        }
        let sigma = try b.singularValues()
        let sigma2 = min(max(sigma[1], 0), 1)
        return 1 - sigma2
    }
}
