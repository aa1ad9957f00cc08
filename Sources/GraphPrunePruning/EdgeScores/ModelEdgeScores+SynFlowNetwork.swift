import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// The linearised network on which SynFlow scores edges (Tanaka et al. 2020), evaluated in
/// `Double` on one all-ones input sample.
///
/// Every weight is replaced by `|w| · m` (`m` the current 0/1 mask of a scored layer, 1 for
/// other layers), every bias by 0 (or `|b|` with `absoluteBiases`, as the reference code's
/// `abs` of all parameters does). All activations are then non-negative, so:
/// - ReLU is the identity (on `x ≥ 0`);
/// - SReLU and dropout are taken as the identity (SynFlow linearises the network; dropout is off
///   in evaluation, and an SReLU's affine pieces are not positively homogeneous, so it is
///   replaced by the unit it is between its thresholds);
/// - max pooling is kept as it is — it is piecewise linear and positively homogeneous, as in the
///   reference code, which runs the model's own pooling: forward takes each window's maximum,
///   **ties to the first entry in row-major window order** (as `MaxPool2D`), and the backward
///   pass routes the gradient to that entry only;
/// - average pooling and global average pooling are linear (means);
/// - BatchNorm is its evaluation-mode affine map per channel (`Layer.pathOperation`), scale
///   `|γ|/√(σ² + ε)` and shift 0 — a bias, like the layers' biases. With `absoluteBiases` the
///   shift is `|β − γμ/√(σ² + ε)|`, the folded bias's absolute value; the reference code takes
///   `abs` of every state entry instead (`|β| − |γ||μ|/√(|σ²| + ε)`, which can be negative), so
///   that mode matches it only for BatchNorm-free networks;
/// - the graph is followed as it is: an Add node sums its inputs, and an activation read by
///   several nodes (a residual block's input) receives the sum of their gradients.
///
/// Then `R = 1ᵀ f(1)` is the path sum `1ᵀ (Π_l |W_l|) 1` (with max pooling, over the winning
/// paths), and one backward pass from `∂R/∂y_L = 1` gives, for every weight layer,
/// ```
/// ∂R/∂|W| = g xᵀ            (Dense: g = ∂R/∂y, x the layer's input)
/// ∂R/∂|W| = G colᵀ          (Conv2D: G = ∂R/∂Y as F × P, col the unfolded input, K × P)
/// ```
/// and `score = |∂R/∂W ⊙ W| = ∂R/∂|W| ⊙ |W|` (the sign of `w` cancels).
///
/// **Numerical range.** `R` grows like the product of the layers' absolute row sums and
/// overflows `Float` within a few wide layers, so everything is in `Double` (like the reference
/// code's `model.double()`); a non-finite `R` throws.
/// - Complexity: one forward and one backward pass on one sample, in BLAS (`dgemv`, `dgemm`);
///   O(Σ weights) memory for the linearised weights.
struct SynFlowNetwork {
    enum Step {
        case affine(weight: Matrix<Double>, bias: [Double])
        case convolution(weight: Matrix<Double>, bias: [Double], geometry: ConvolutionGeometry, groups: Int)
        case channelAffine(scale: [Double], shift: [Double], area: Int)
        /// Each output's window as the input indices it covers (row-major), and its divisor.
        case maxPool(windows: [[Int]])
        case averagePool(windows: [[Int]], divisors: [Double])
        case average(channels: Int, area: Int)
        /// `a ⊙ b` of a node's two inputs, read side by side `[a | b]`.
        case multiply(channels: Int, area: Int, broadcast: Bool)
        case identity
    }

    var steps: [Step]
    /// The activations each node reads (`Architecture.inputs`): 0 = the input, `j + 1` = node `j`.
    let inputs: [[Int]]
    let inputSize: Int

    /// The linearised `model`; `masks[i]` (out × in, 0/1) multiplies layer `i`'s `|W|`.
    init(model: Network, masks: [Int: Matrix<Double>], absoluteBiases: Bool) {
        inputSize = model.architecture.sizes.first ?? 0
        inputs = model.architecture.inputs
        func biases(_ b: [Float]) -> [Double] { b.map { absoluteBiases ? abs(Double($0)) : 0 } }
        steps = model.layers.enumerated().map { i, layer in
            func linearised(_ weight: Matrix<Float>) -> Matrix<Double> {
                var w = weight.converted(to: Double.self)
                let mask = masks[i]
                for k in w.elements.indices { w.elements[k] = abs(w.elements[k]) * (mask?.elements[k] ?? 1) }
                return w
            }
            switch layer.pathOperation {
            case .affine(let w, let b): return .affine(weight: linearised(w), bias: biases(b))
            case .convolution(let w, let b, let geometry, let groups):
                return .convolution(weight: linearised(w), bias: biases(b), geometry: geometry, groups: groups)
            case .channelAffine(let scale, let shift, let area):
                return .channelAffine(scale: scale.map { abs(Double($0)) }, shift: biases(shift), area: area)
            case .maxPool(let input, let window): return .maxPool(windows: Self.windows(input, window))
            case .averagePool(let input, let window, let countsPadding):
                let windows = Self.windows(input, window)
                return .averagePool(
                    windows: windows, divisors: windows.map { Double(countsPadding ? window.kernel * window.kernel : $0.count) })
            case .globalAverage(let channels, let area): return .average(channels: channels, area: area)
            case .multiply(let channels, let area, let broadcast): return .multiply(channels: channels, area: area, broadcast: broadcast)
            case .identity: return .identity
            }
        }
    }

    /// `R` and `∂R/∂|W|` (out × in) of every weight layer, by position.
    func pathGradients() throws -> (r: Double, gradients: [Int: Matrix<Double>]) {
        var activations = [[Double](repeating: 1, count: inputSize)]
        var summed = [[Double]]()  // each node's input: the sum of the activations it reads, or them side by side
        for (i, step) in steps.enumerated() {
            var x = activations[inputs[i][0]]
            if case .multiply = step {
                x += activations[inputs[i][1]]
            } else {
                for a in inputs[i].dropFirst() { for k in x.indices { x[k] += activations[a][k] } }
            }
            summed.append(x)
            activations.append(Self.forward(step, x))
        }
        let r = activations.last!.reduce(0, +)
        guard r.isFinite else {
            throw NumericalError.invalidInput("synflow: R = 1ᵀ(Π|W|)1 is not finite in Double (\(r)); the weights are too large for path sums")
        }
        var outputGradients = [[Double]?](repeating: nil, count: activations.count)
        outputGradients[steps.count] = [Double](repeating: 1, count: activations.last!.count)
        var gradients = [Int: Matrix<Double>]()
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            let x = summed[i]
            let g = outputGradients[i + 1] ?? [Double](repeating: 0, count: activations[i + 1].count)
            let dx: [Double]
            switch steps[i] {
            case .affine(let w, _):
                // ∂R/∂|W| = g xᵀ (an outer product), ∂R/∂x = |W|ᵀ g.
                let gm = Matrix(rows: w.rows, columns: 1, elements: g)
                gradients[i] = gm.multiplied(by: Matrix(rows: 1, columns: x.count, elements: x))
                dx = w.applied(to: g, transposing: true)
            case .convolution(let w, _, let geometry, let groups):
                // Per group: ∂R/∂|W_g| = G_g col_gᵀ (F/g × K/g), ∂R/∂col_g = |W_g|ᵀ G_g (K/g × P).
                let gm = Self.rowBlocks(Matrix(rows: w.rows, columns: geometry.pixels, elements: g), groups: groups)
                let col = Self.rowBlocks(Self.unfold(geometry, x), groups: groups), wb = Self.rowBlocks(w, groups: groups)
                gradients[i] = Self.stacked(zip(gm, col).map { $0.multiplied(by: $1, transposingOther: true) })
                dx = Self.fold(geometry, Self.stacked(zip(wb, gm).map { $0.multiplied(by: $1, transposingSelf: true) }))
            case .channelAffine(let scale, _, let area):
                dx = g.indices.map { g[$0] * scale[$0 / area] }
            case .maxPool(let windows):
                var routed = [Double](repeating: 0, count: x.count)
                for (o, taps) in windows.enumerated() { routed[Self.winner(x, taps)] += g[o] }
                dx = routed
            case .averagePool(let windows, let divisors):
                var spread = [Double](repeating: 0, count: x.count)
                for (o, taps) in windows.enumerated() { for t in taps { spread[t] += g[o] / divisors[o] } }
                dx = spread
            case .average(let channels, let area):
                dx = (0..<(channels * area)).map { g[$0 / area] / Double(area) }
            case .multiply(let channels, let area, let broadcast):
                let n = channels * area
                var d = [Double](repeating: 0, count: x.count)
                for p in 0..<n {
                    let b = n + (broadcast ? p / area : p)
                    d[p] = g[p] * x[b]
                    d[b] += g[p] * x[p]
                }
                dx = d
            case .identity:
                dx = g
            }
            // Summed inputs all receive dx; inputs read side by side their own part of it.
            var offset = 0
            for a in inputs[i] {
                let part: ArraySlice<Double>
                if case .multiply = steps[i] {
                    part = dx[offset..<(offset + activations[a].count)]
                    offset += activations[a].count
                } else {
                    part = dx[...]
                }
                guard a > 0 else { continue }
                if outputGradients[a] == nil {
                    outputGradients[a] = Array(part)
                } else {
                    for (k, v) in zip(outputGradients[a]!.indices, part) { outputGradients[a]![k] += v }
                }
            }
        }
        return (r, gradients)
    }

    private static func forward(_ step: Step, _ x: [Double]) -> [Double] {
        switch step {
        case .affine(let w, let b):
            return zip(w.applied(to: x), b).map { $0 + $1 }
        case .convolution(let w, let b, let geometry, let groups):
            // Group g's filters times its channels' rows of the unfolded input: F × P in all.
            let y = stacked(zip(rowBlocks(w, groups: groups), rowBlocks(unfold(geometry, x), groups: groups)).map { $0.multiplied(by: $1) })
            return y.elements.indices.map { y.elements[$0] + b[$0 / geometry.pixels] }
        case .channelAffine(let scale, let shift, let area):
            return x.indices.map { scale[$0 / area] * x[$0] + shift[$0 / area] }
        case .averagePool(let windows, let divisors):
            return windows.indices.map { o in windows[o].reduce(0) { $0 + x[$1] } / divisors[o] }
        case .maxPool(let windows):
            return windows.map { x[winner(x, $0)] }
        case .average(let channels, let area):
            return (0..<channels).map { c in x[(c * area)..<((c + 1) * area)].reduce(0, +) / Double(area) }
        case .multiply(let channels, let area, let broadcast):
            let n = channels * area
            return (0..<n).map { x[$0] * x[n + (broadcast ? $0 / area : $0)] }
        case .identity:
            return x
        }
    }

    /// The input indices (within a sample, row-major) of every output's window clipped to the
    /// plane, outputs in C order.
    private static func windows(_ input: ImageShape, _ window: PoolingWindow) -> [[Int]] {
        let (h, w) = (input.height, input.width), out = window.output(on: input)
        var result = [[Int]]()
        result.reserveCapacity(out.size)
        for c in 0..<input.channels {
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    let columns = window.span(ox, extent: w)
                    result.append(window.span(oy, extent: h).flatMap { i in columns.map { c * h * w + i * w + $0 } })
                }
            }
        }
        return result
    }

    /// The tap holding the window's maximum, the first on ties (as `MaxPool2D`).
    private static func winner(_ x: [Double], _ taps: [Int]) -> Int {
        taps.dropFirst().reduce(taps[0]) { best, t in x[t] > x[best] ? t : best }
    }

    /// The `groups` consecutive row blocks of `m` (a grouped convolution's per-group weights,
    /// unfolded inputs or gradients); `m` itself, uncopied, for one group.
    private static func rowBlocks(_ m: Matrix<Double>, groups: Int) -> [Matrix<Double>] {
        guard groups > 1 else { return [m] }
        let rows = m.rows / groups
        return (0..<groups).map { g in m.selectingRows(Array((g * rows)..<((g + 1) * rows))) }
    }

    /// Row blocks stacked back into one matrix (the block itself when there is one).
    private static func stacked(_ blocks: [Matrix<Double>]) -> Matrix<Double> {
        guard blocks.count > 1 else { return blocks[0] }
        return Matrix(rows: blocks.reduce(0) { $0 + $1.rows }, columns: blocks[0].columns, elements: blocks.flatMap(\.elements))
    }

    /// im2col of one sample in Double, `K × P` (`ConvolutionGeometry.im2col`).
    static func unfold(_ g: ConvolutionGeometry, _ x: [Double]) -> Matrix<Double> {
        var col = Matrix<Double>(rows: g.taps, columns: g.pixels)
        x.withUnsafeBufferPointer { src in
            col.elements.withUnsafeMutableBufferPointer { dst in
                g.im2col(src.baseAddress!, into: dst.baseAddress!, rowStride: g.pixels)
            }
        }
        return col
    }

    /// col2im, the adjoint of `unfold` (`ConvolutionGeometry.col2im`).
    static func fold(_ g: ConvolutionGeometry, _ col: Matrix<Double>) -> [Double] {
        var x = [Double](repeating: 0, count: g.inputSize)
        col.elements.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
                g.col2im(src.baseAddress!, rowStride: g.pixels, into: dst.baseAddress!)
            }
        }
        return x
    }
}
