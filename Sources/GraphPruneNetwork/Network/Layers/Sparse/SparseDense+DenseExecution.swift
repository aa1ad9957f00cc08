import GraphPruneNumerics

/// How a `SparseDense` layer computes its products. The layer's model is the same either way
/// (only the stored connections exist, only they have weights and gradients); what differs is
/// speed and the last bits of the sums.
public enum SparseExecution: String, Sendable, CaseIterable {
    /// The CSR kernels below `SparseDense.denseExecutionDensity`, a masked dense `sgemm` at or
    /// above it.
    case automatic
    /// Always the CSR kernels: bitwise the same results for every thread count.
    case sparse
    /// Always the masked dense products (`Dense` on the weight matrix with zeros off the pattern).
    case dense
}

/// Masked dense execution: above a density of about 15 %, OpenBLAS's `sgemm` over the whole
/// `outputs × inputs` matrix (with zeros off the pattern) is faster than any per-connection
/// kernel, so the layer runs as a `Dense` whose weights are refreshed from the stored ones
/// before every forward pass, and whose weight gradient is read back at the stored positions:
/// ```
/// W̃ = scatter(values)  (zeros off the pattern),   Y = X W̃ᵀ + 1 bᵀ
/// ∂L/∂W_k = (Gᵀ X)[row_k, column_k]  for the stored k only,   ∂L/∂X = G W̃
/// ```
/// which is the CSR layer's mathematics exactly, summed by `sgemm` in its own order (so, like
/// `Dense`, bitwise reproducible for a given OpenBLAS thread count).
///
/// The cross-over was measured on one layer's training step (release, 2 cores, forward +
/// backward of a batch of 100, CSR time against `Dense` time, densities 10–30 % in steps of
/// 5 %): 784 × 256 and 256 × 128 cross at 12–13 % density, 4000 × 1000 and 1000 × 4000 at
/// 18–22 %, 128 × 100 near 30 %; 15 % is the middle. `graphprune bench --workload training`
/// prints the sweep for 784 × 256.
///
/// `backward` follows the path of the forward before it (a CSR forward releases the engine), so
/// switching `execution` or crossing the threshold between the two cannot mix them.
///
/// - Complexity: O(batch · inputs · outputs) flops in BLAS, plus O(nnz) to refresh the dense
///   weights in a forward after the weights changed (a training step; evaluation passes in a row
///   refresh once), O(inputs · outputs) once after a pattern change; memory
///   2 · inputs · outputs floats while the layer runs dense.
extension SparseDense {
    /// Density (stored connections / (inputs · outputs)) at or above which `.automatic` runs dense.
    public static let denseExecutionDensity = 0.15

    /// Whether the next forward and backward run the masked dense products.
    public var runsDense: Bool {
        switch execution {
        case .sparse: return false
        case .dense: return true
        case .automatic:
            return inputs > 0 && outputs > 0
                && Double(connectionCount) >= SparseDense.denseExecutionDensity * Double(inputs) * Double(outputs)
        }
    }

    /// `forward` through the dense engine, after writing the stored weights and biases into it.
    /// Only the stored positions are written: the engine is created zero and dropped whenever the
    /// pattern changes (`patternChanged`), so it is zero everywhere else.
    mutating func forwardDense(
        _ input: Matrix<Float>, into output: inout Matrix<Float>, training: Bool, generator: inout SplitMix64
    ) {
        let current = denseEngine != nil && denseEngineIsCurrent
        var engine = takeDenseEngine()
        defer { denseEngine = engine }
        if !current {
            let n = inputs
            engine.weight.elements.withUnsafeMutableBufferPointer { w in
                for j in 0..<outputs {
                    let row = w.baseAddress! + j &* n
                    for k in rowStarts[j]..<rowStarts[j + 1] { row[Int(columns[k])] = values[k] }
                }
            }
            engine.bias.withUnsafeMutableBufferPointer { b in
                bias.withUnsafeBufferPointer { b.baseAddress!.update(from: $0.baseAddress!, count: outputs) }
            }
            denseEngineIsCurrent = true
        }
        engine.forward(input, into: &output, training: training, generator: &generator)
    }

    /// `backward` through the dense engine of the matching forward (which left it in
    /// `denseEngine`); the weight gradient is read back at the stored positions.
    mutating func backwardDense(
        input: Matrix<Float>, output: Matrix<Float>, outputGradient: Matrix<Float>, inputGradient: inout Matrix<Float>
    ) {
        var engine = takeDenseEngine()
        defer { denseEngine = engine }
        engine.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: &inputGradient)
        let n = inputs
        engine.weightGradient.elements.withUnsafeBufferPointer { dw in
            weightGradient.withUnsafeMutableBufferPointer { g in
                for j in 0..<outputs {
                    let row = dw.baseAddress! + j &* n
                    for k in rowStarts[j]..<rowStarts[j + 1] { g[k] = row[Int(columns[k])] }
                }
            }
        }
        engine.biasGradient.withUnsafeBufferPointer { db in
            biasGradient.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: db.baseAddress!, count: outputs) }
        }
    }

    /// The engine, moved out of the layer so that it is uniquely referenced while it runs
    /// (created `outputs × inputs` on first use).
    private mutating func takeDenseEngine() -> Dense {
        if let engine = denseEngine {
            denseEngine = nil
            return engine
        }
        return Dense(weight: Matrix(rows: outputs, columns: inputs), bias: bias)
    }
}
