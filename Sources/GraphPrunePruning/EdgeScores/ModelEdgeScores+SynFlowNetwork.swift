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
/// - global average pooling is linear (a mean).
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
        case convolution(weight: Matrix<Double>, bias: [Double], geometry: ConvolutionGeometry)
        case maxPool(input: ImageShape, size: Int)
        case average(channels: Int, area: Int)
        case identity
    }

    var steps: [Step]
    let inputSize: Int

    /// The linearised `model`; `masks[i]` (out × in, 0/1) multiplies layer `i`'s `|W|`.
    init(model: Network, masks: [Int: Matrix<Double>], absoluteBiases: Bool) throws {
        guard model.architecture.isChain else {
            throw EdgePruningError.unsupportedLayer("synflow: \(model.architecture.summary) is a graph with branches; SynFlow's linearised network is built for chains")
        }
        inputSize = model.architecture.sizes.first ?? 0
        steps = try model.layers.enumerated().map { i, layer in
            func linearised(_ weight: Matrix<Double>, _ bias: [Float]) -> (Matrix<Double>, [Double]) {
                var w = weight
                let mask = masks[i]
                for k in w.elements.indices { w.elements[k] = abs(w.elements[k]) * (mask?.elements[k] ?? 1) }
                return (w, bias.map { absoluteBiases ? abs(Double($0)) : 0 })
            }
            switch layer {
            case let d as Dense:
                let (w, b) = linearised(d.weight.converted(to: Double.self), d.bias)
                return .affine(weight: w, bias: b)
            case let s as SparseDense:
                let (w, b) = linearised(s.denseWeight().converted(to: Double.self), s.bias)
                return .affine(weight: w, bias: b)
            case let c as Conv2D:
                let (w, b) = linearised(c.weight.converted(to: Double.self), c.bias)
                guard c.groups == 1 else {
                    throw EdgePruningError.unsupportedLayer("synflow: layer \(i) is a grouped convolution (\(c.groups) groups), which has no linearised form here")
                }
                return .convolution(weight: w, bias: b, geometry: c.geometry)
            case let p as MaxPool2D: return .maxPool(input: p.input, size: p.size)
            case let g as GlobalAveragePooling: return .average(channels: g.input.channels, area: g.input.height * g.input.width)
            case is ReLU, is SReLU, is Dropout: return .identity
            default:
                throw EdgePruningError.unsupportedLayer("synflow: layer \(i) (\(type(of: layer))) has no linearised form")
            }
        }
    }

    /// `R` and `∂R/∂|W|` (out × in) of every weight layer, by position.
    func pathGradients() throws -> (r: Double, gradients: [Int: Matrix<Double>]) {
        var activations = [[Double](repeating: 1, count: inputSize)]
        for step in steps { activations.append(Self.forward(step, activations.last!)) }
        let r = activations.last!.reduce(0, +)
        guard r.isFinite else {
            throw NumericalError.invalidInput("synflow: R = 1ᵀ(Π|W|)1 is not finite in Double (\(r)); the weights are too large for path sums")
        }
        var g = [Double](repeating: 1, count: activations.last!.count)
        var gradients = [Int: Matrix<Double>]()
        for i in stride(from: steps.count - 1, through: 0, by: -1) {
            let x = activations[i]
            switch steps[i] {
            case .affine(let w, _):
                // ∂R/∂|W| = g xᵀ (an outer product), ∂R/∂x = |W|ᵀ g.
                let gm = Matrix(rows: w.rows, columns: 1, elements: g)
                gradients[i] = gm.multiplied(by: Matrix(rows: 1, columns: x.count, elements: x))
                if i > 0 { g = w.applied(to: g, transposing: true) }
            case .convolution(let w, _, let geometry):
                let col = Self.unfold(geometry, x)
                let gm = Matrix(rows: w.rows, columns: geometry.pixels, elements: g)
                gradients[i] = gm.multiplied(by: col, transposingOther: true)
                if i > 0 { g = Self.fold(geometry, w.multiplied(by: gm, transposingSelf: true)) }
            case .maxPool(let input, let size):
                let (_, winners) = Self.pool(x, input: input, size: size)
                var dx = [Double](repeating: 0, count: x.count)
                for (o, source) in winners.enumerated() { dx[source] += g[o] }
                g = dx
            case .average(let channels, let area):
                g = (0..<(channels * area)).map { g[$0 / area] / Double(area) }
            case .identity:
                break
            }
        }
        return (r, gradients)
    }

    private static func forward(_ step: Step, _ x: [Double]) -> [Double] {
        switch step {
        case .affine(let w, let b):
            return zip(w.applied(to: x), b).map { $0 + $1 }
        case .convolution(let w, let b, let geometry):
            let y = w.multiplied(by: unfold(geometry, x))  // F × P
            return y.elements.indices.map { y.elements[$0] + b[$0 / geometry.pixels] }
        case .maxPool(let input, let size):
            return pool(x, input: input, size: size).values
        case .average(let channels, let area):
            return (0..<channels).map { c in x[(c * area)..<((c + 1) * area)].reduce(0, +) / Double(area) }
        case .identity:
            return x
        }
    }

    /// Window maxima of `s × s` windows and the index of each winner (first on ties).
    private static func pool(_ x: [Double], input: ImageShape, size s: Int) -> (values: [Double], winners: [Int]) {
        let (h, w) = (input.height, input.width)
        let (oh, ow) = (h / s, w / s)
        var values = [Double](), winners = [Int]()
        values.reserveCapacity(input.channels * oh * ow)
        winners.reserveCapacity(input.channels * oh * ow)
        for c in 0..<input.channels {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = c * h * w + s * oy * w + s * ox
                    for i in 0..<s {
                        for j in 0..<s where x[c * h * w + (s * oy + i) * w + s * ox + j] > x[best] {
                            best = c * h * w + (s * oy + i) * w + s * ox + j
                        }
                    }
                    values.append(x[best])
                    winners.append(best)
                }
            }
        }
        return (values, winners)
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
