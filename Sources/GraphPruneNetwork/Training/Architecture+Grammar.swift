import Foundation

/// The chain grammar (`parse`): tokens joined by `-`.
/// - An MLP starts with its input size: `784-256-128-100-10` is Dense 784→256, activation,
///   dropout, …, Dense 100→10 (no activation or dropout after the last layer: it gives logits).
/// - A CNN starts with a convolution and takes its input shape from the data set:
///   `c32-c32-p-c64-c64-p-128-10` is Conv 3×3 same (32), activation, Conv (32), activation,
///   MaxPool 2, …, Dense 128, activation, dropout, Dense 10. Tokens: `cN` a 3×3 `same`
///   convolution with N filters, `cN/K` with a K×K kernel, `vN/K` a `valid` one; `p` a 2×2 max
///   pool (`pK` for K×K); `gap` global average pooling; a number N a Dense layer of N units.
/// - With a sparse ε, every hidden Dense layer is an Erdős–Rényi sparse layer (the output layer
///   stays dense, as in SET/CenSET).
/// - A built-in name (`resnet20`, `vgg11`, `vgg16`) is a graph (`BuiltInArchitecture`).
extension Architecture {
    /// The MLP shorthand (see the type's documentation).
    public static func multilayerPerceptron(_ spec: String, dropout: Double = 0) throws -> Architecture {
        try parse(spec, inputShape: nil, dropout: dropout)
    }

    /// Parses a spec: a built-in name (`resnet20`, `vgg11`, `vgg16`; see `BuiltInArchitecture`,
    /// adapted to `inputShape` with `classes` outputs) or the chain grammar. `inputShape`
    /// (C, H, W) is needed when the spec starts with a convolution or names a built-in, and is
    /// checked against an MLP's input size otherwise (when given).
    public static func parse(
        _ spec: String, inputShape: [Int]?, activation: Activation = .relu, dropout: Double = 0,
        sparseEpsilon: Double? = nil, classes: Int = 10
    ) throws -> Architecture {
        guard dropout >= 0 && dropout < 1 else { throw ArchitectureError("dropout \(dropout) is outside [0, 1)") }
        if let e = sparseEpsilon, !(e > 0) { throw ArchitectureError("sparse ε \(e) must be positive") }
        if let builtIn = BuiltInArchitecture(rawValue: spec.trimmingCharacters(in: .whitespaces).lowercased()) {
            guard let inputShape else { throw ArchitectureError("'\(spec)' is a built-in network: the input shape must come from the data") }
            guard sparseEpsilon == nil else { throw ArchitectureError("'\(spec)': sparse ε applies to the chain grammar's hidden Dense layers") }
            guard activation == .relu else { throw ArchitectureError("'\(spec)' uses ReLU; another activation applies to the chain grammar") }
            // Dropout applies after hidden Dense layers, which the built-ins do not have.
            let architecture = try builtIn.architecture(inputShape: inputShape, classes: classes)
            try architecture.validate()
            return architecture
        }
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
        if tokens.count == 1 && Int(tokens[0]) == nil {
            throw ArchitectureError("unknown architecture '\(spec)' (built-in: \(BuiltInArchitecture.allCases.map(\.rawValue).joined(separator: ", ")); or layers like 784-256-10)")
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
        try architecture.validate()
        return architecture
    }

    /// A short description, e.g. `784-256-128-100-10`, `1×28×28 c32-c32-p-…-10`, or for a graph
    /// `resnet20 1×28×28 → 10 (65 nodes)`.
    public var summary: String {
        guard isChain && builtIn == nil else {
            let shape = inputShape.map(String.init).joined(separator: "×")
            return "\(builtIn ?? "graph") \(shape) → \(sizes.last ?? 0) (\(layers.count) nodes)"
        }
        var tokens = inputShape[0] == 1 && inputShape[1] == 1 ? [String(inputShape[2])] : []
        for layer in layers {
            switch layer {
            case .dense(let n): tokens.append(String(n))
            case .sparseDense(let n, let e): tokens.append("\(n)(ε=\(e))")
            case .conv2d(let f, let k, let same): tokens.append("\(same ? "c" : "v")\(f)\(k == 3 ? "" : "/\(k)")")
            case .maxPool(let size): tokens.append(size == 2 ? "p" : "p\(size)")
            case .globalAveragePooling: tokens.append("gap")
            case .convolution(let c): tokens.append("conv\(c.filters)/\(c.kernel)s\(c.stride)")
            case .averagePool(let size): tokens.append("a\(size)")
            case .batchNorm: tokens.append("bn")
            case .flatten: tokens.append("flatten")
            case .pooling(let p): tokens.append("\(p.kind == .max ? "p" : "a")\(p.window.kernel)s\(p.window.stride)")
            case .channelAffine: tokens.append("affine")
            case .relu, .srelu, .dropout, .add, .identity, .clip, .sigmoid, .silu, .multiply: break
            }
        }
        let prefix = tokens.first.flatMap { Int($0) } == nil ? "\(inputShape.map(String.init).joined(separator: "×")) " : ""
        return prefix + tokens.joined(separator: "-")
    }
}
