import Foundation
import GraphPruneIO

/// A network described by value, so that a checkpoint records it and a pruned model can be
/// rebuilt with other widths: the input's shape and a list of layer specs, applied in order.
///
/// Activations are flat rows (`C·H·W` features per sample, channels first), so Dense layers
/// follow convolutions without a Flatten.
///
/// The spec grammar (`parse`): tokens joined by `-`.
/// - An MLP starts with its input size: `784-256-128-100-10` is Dense 784→256, activation,
///   dropout, …, Dense 100→10 (no activation or dropout after the last layer: it gives logits).
/// - A CNN starts with a convolution and takes its input shape from the data set:
///   `c32-c32-p-c64-c64-p-128-10` is Conv 3×3 same (32), activation, Conv (32), activation,
///   MaxPool 2, …, Dense 128, activation, dropout, Dense 10. Tokens: `cN` a 3×3 `same`
///   convolution with N filters, `cN/K` with a K×K kernel, `vN/K` a `valid` one; `p` a 2×2 max
///   pool (`pK` for K×K); `gap` global average pooling; a number N a Dense layer of N units.
/// - With a sparse ε, every hidden Dense layer is an Erdős–Rényi sparse layer (the output layer
///   stays dense, as in SET/CenSET).
public struct Architecture: Codable, Equatable, Sendable {
    public enum Activation: String, Codable, Sendable, CaseIterable { case relu, srelu }

    public enum LayerSpec: Codable, Equatable, Sendable {
        case dense(outputs: Int)
        case sparseDense(outputs: Int, epsilon: Double)
        case conv2d(filters: Int, kernel: Int, same: Bool)
        case maxPool(size: Int)
        case globalAveragePooling
        case relu
        case srelu
        case dropout(rate: Double)
    }

    /// `[channels, height, width]` of one sample.
    public var inputShape: [Int]
    public var layers: [LayerSpec]

    public var inputSize: Int { inputShape.reduce(1, *) }

    public init(inputShape: [Int], layers: [LayerSpec]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    public init(inputSize: Int, layers: [LayerSpec]) {
        self.init(inputShape: [1, 1, inputSize], layers: layers)
    }

    /// The MLP shorthand (see the type's documentation).
    public static func multilayerPerceptron(_ spec: String, dropout: Double = 0) throws -> Architecture {
        try parse(spec, inputShape: nil, dropout: dropout)
    }

    /// Parses a spec. `inputShape` (C, H, W) is needed when the spec starts with a convolution
    /// and is checked against an MLP's input size otherwise (when given).
    public static func parse(
        _ spec: String, inputShape: [Int]?, activation: Activation = .relu, dropout: Double = 0,
        sparseEpsilon: Double? = nil
    ) throws -> Architecture {
        guard dropout >= 0 && dropout < 1 else { throw ArchitectureError("dropout \(dropout) is outside [0, 1)") }
        if let e = sparseEpsilon, !(e > 0) { throw ArchitectureError("sparse ε \(e) must be positive") }
        var tokens = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let shape: [Int]
        if let first = tokens.first, let n = Int(first) {
            guard n > 0 else { throw ArchitectureError("'\(spec)': the input size must be positive") }
            if let inputShape, inputShape.reduce(1, *) != n {
                throw ArchitectureError("'\(spec)' starts with \(n) inputs but the data has \(inputShape.reduce(1, *)) features")
            }
            shape = inputShape ?? [1, 1, n]
            tokens.removeFirst()
        } else {
            guard let inputShape else { throw ArchitectureError("'\(spec)' starts with a layer, so the input shape must come from the data") }
            shape = inputShape
        }
        guard let lastToken = tokens.last, Int(lastToken) != nil else {
            throw ArchitectureError("'\(spec)' must end with the number of classes (a Dense layer), like 784-256-10")
        }
        var layers = [LayerSpec]()
        let act: LayerSpec = activation == .relu ? .relu : .srelu
        for (k, token) in tokens.enumerated() {
            let isLast = k == tokens.count - 1
            if let n = Int(token) {
                guard n > 0 else { throw ArchitectureError("'\(spec)': layer '\(token)' needs a positive width") }
                if isLast {
                    layers.append(.dense(outputs: n))
                } else {
                    layers.append(sparseEpsilon.map { .sparseDense(outputs: n, epsilon: $0) } ?? .dense(outputs: n))
                    layers.append(act)
                    if dropout > 0 { layers.append(.dropout(rate: dropout)) }
                }
            } else if token == "gap" {
                layers.append(.globalAveragePooling)
            } else if token.first == "p", let size = token.count == 1 ? 2 : Int(token.dropFirst()), size > 0 {
                layers.append(.maxPool(size: size))
            } else if let kind = token.first, kind == "c" || kind == "v" {
                let parts = token.dropFirst().split(separator: "/")
                guard let filters = parts.first.flatMap({ Int($0) }), filters > 0,
                      parts.count <= 2, let kernel = parts.count == 2 ? Int(parts[1]) : 3, kernel > 0
                else { throw ArchitectureError("'\(spec)': '\(token)' is not a convolution like c32 or c32/5") }
                layers.append(.conv2d(filters: filters, kernel: kernel, same: kind == "c"))
                layers.append(act)
            } else {
                throw ArchitectureError("'\(spec)': unknown layer '\(token)' (numbers, cN, vN, cN/K, p, pK, gap)")
            }
        }
        let architecture = Architecture(inputShape: shape, layers: layers)
        _ = try architecture.shapes()
        return architecture
    }

    /// The shape `[C, H, W]` at every boundary: `shapes()[0]` is the input, `[i + 1]` after layer
    /// `i`. Throws when a layer does not fit (a kernel or pool larger than its input).
    public func shapes() throws -> [[Int]] {
        var result = [inputShape]
        var s = inputShape
        for layer in layers {
            switch layer {
            case .dense(let n), .sparseDense(let n, _): s = [1, 1, n]
            case .conv2d(let filters, let kernel, let same):
                guard same || (s[1] >= kernel && s[2] >= kernel) else {
                    throw ArchitectureError("a \(kernel)×\(kernel) valid convolution does not fit a \(s[1])×\(s[2]) input")
                }
                s = same ? [filters, s[1], s[2]] : [filters, s[1] - kernel + 1, s[2] - kernel + 1]
            case .maxPool(let size):
                guard s[1] >= size && s[2] >= size else {
                    throw ArchitectureError("a \(size)×\(size) pool does not fit a \(s[1])×\(s[2]) input")
                }
                s = [s[0], s[1] / size, s[2] / size]
            case .globalAveragePooling: s = [s[0], 1, 1]
            case .relu, .srelu, .dropout: break
            }
            result.append(s)
        }
        return result
    }

    /// Feature counts at every boundary: `sizes[0]` = inputs, `sizes[i + 1]` = after layer `i`.
    public var sizes: [Int] { ((try? shapes()) ?? []).map { $0.reduce(1, *) } }

    /// A short description, e.g. `784-256-128-100-10` or `1×28×28 c32-c32-p-…-10`.
    public var summary: String {
        var tokens = inputShape[0] == 1 && inputShape[1] == 1 ? [String(inputShape[2])] : []
        for layer in layers {
            switch layer {
            case .dense(let n): tokens.append(String(n))
            case .sparseDense(let n, let e): tokens.append("\(n)(ε=\(e))")
            case .conv2d(let f, let k, let same): tokens.append("\(same ? "c" : "v")\(f)\(k == 3 ? "" : "/\(k)")")
            case .maxPool(let size): tokens.append(size == 2 ? "p" : "p\(size)")
            case .globalAveragePooling: tokens.append("gap")
            case .relu, .srelu, .dropout: break
            }
        }
        let prefix = tokens.first.flatMap { Int($0) } == nil ? "\(inputShape.map(String.init).joined(separator: "×")) " : ""
        return prefix + tokens.joined(separator: "-")
    }

    /// The JSON stored in a checkpoint's metadata.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func fromJSON(_ text: String, name: String) throws -> Architecture {
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(text.utf8))
        } catch {
            throw FileFormatError(file: name, problem: "metadata 'architecture' is not a valid architecture: \(error)")
        }
        guard architecture.inputShape.count == 3, architecture.inputShape.allSatisfy({ $0 > 0 }) else {
            throw FileFormatError(file: name, problem: "metadata 'architecture' has input shape \(architecture.inputShape); [C, H, W] with positive extents is needed")
        }
        for (i, layer) in architecture.layers.enumerated() {
            if let problem = layer.problem {
                throw FileFormatError(file: name, problem: "metadata 'architecture' layer \(i): \(problem)")
            }
        }
        do {
            _ = try architecture.shapes()
        } catch {
            throw FileFormatError(file: name, problem: "metadata 'architecture': \(error)")
        }
        return architecture
    }
}

extension Architecture.LayerSpec {
    /// Why this spec cannot be built, or nil.
    var problem: String? {
        switch self {
        case .dense(let n) where n <= 0: return "dense width \(n) must be positive"
        case .sparseDense(let n, let e) where n <= 0 || !(e > 0) || !e.isFinite:
            return "sparse dense width \(n) and ε \(e) must be positive"
        case .conv2d(let f, let k, _) where f <= 0 || k <= 0: return "convolution filters \(f) and kernel \(k) must be positive"
        case .maxPool(let size) where size <= 0: return "pool size \(size) must be positive"
        case .dropout(let rate) where !(rate >= 0 && rate < 1): return "dropout rate \(rate) is outside [0, 1)"
        default: return nil
        }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
