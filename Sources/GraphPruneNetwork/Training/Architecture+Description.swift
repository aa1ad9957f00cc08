extension Architecture.LayerSpec: CustomStringConvertible {
    /// A short description of the operation, e.g. `dense 256`, `conv 3×3/2 pad 1, 32 (no bias)`.
    public var description: String {
        switch self {
        case .dense(let n): "dense \(n)"
        case .sparseDense(let n, let e): "sparse dense \(n) (ε = \(e))"
        case .conv2d(let f, let k, let same): "conv \(k)×\(k) \(same ? "same" : "valid"), \(f)"
        case .convolution(let c):
            "conv \(c.kernel)×\(c.kernel)/\(c.stride) pad \(c.padding), \(c.filters)"
                + (c.dilation > 1 ? " dilation \(c.dilation)" : "") + (c.groups > 1 ? ", \(c.groups) groups" : "") + (c.bias ? "" : " (no bias)")
        case .batchNorm: "batch norm"
        case .maxPool(let s): "max pool \(s)×\(s)"
        case .averagePool(let s): "average pool \(s)×\(s)"
        case .globalAveragePooling: "global average pool"
        case .relu: "relu"
        case .srelu: "srelu"
        case .dropout(let rate): "dropout \(rate)"
        case .add: "add"
        case .flatten: "flatten"
        case .identity: "identity"
        case .pooling(let p):
            "\(p.kind == .max ? "max" : "average") pool \(p.window.kernel)×\(p.window.kernel)/\(p.window.stride) pad \(p.window.padding)"
                + (p.kind == .average && p.window.padding > 0 && !p.countsPadding ? " (padding not counted)" : "")
        case .clip(let a, let b): "clip [\(a), \(b)]"
        case .channelAffine: "channel affine"
        case .sigmoid: "sigmoid"
        case .silu: "silu"
        case .multiply(let broadcast): broadcast ? "multiply by a per-channel gate" : "multiply"
        }
    }
}
