import GraphPruneNetwork

/// What a `Network` costs: trainable parameters and forward FLOPs per sample, per layer and in
/// total, so that neuron-pruned (rebuilt) and edge-pruned (sparse) models can be compared at an
/// equal budget.
///
/// **Parameters** are the trainable scalars, as `Network.parameterCount` counts them:
/// - Dense `in → out`: `out · in + out` (the `out × in` weight and the bias);
/// - SparseDense: `nnz + out` (its stored connections — a connection holding the weight 0 still
///   counts, it is trained — and the bias);
/// - Conv2D with `F` filters of `C/g × kh × kw` (`g` groups): `F · C/g · kh · kw + F` (no `+ F`
///   without a bias); an edge-pruned (masked) convolution counts its kept connections instead
///   of `F · C/g · kh · kw`;
/// - BatchNorm on `C` channels: `2C` (γ, β; the running statistics are buffers, not trained);
/// - SReLU on `u` units: `4u` (`t_l`, `a_l`, `t_r`, `a_r`);
/// - ReLU, Dropout, pooling, Add, Flatten, Identity: 0.
///
/// **FLOPs** (forward, one sample) follow the common convention *2 × multiply-accumulates of the
/// weight products*; bias additions, activations, pooling and dropout are not counted:
/// - Dense: `2 · out · in`;
/// - SparseDense: `2 · nnz`;
/// - Conv2D with output `F × H' × W'`: `2 · F · C/g · kh · kw · H' · W'` (every tap of every
///   output pixel, padding taps included — the products im2col + sgemm perform); a masked
///   convolution counts `2 · connections · H' · W'`, the work a sparse kernel would do, as for
///   SparseDense;
/// - every other layer (BatchNorm included: at inference it folds into the convolution before
///   it): 0.
///
/// - Complexity: O(layers).
public struct ModelCost: Equatable, Sendable {
    /// One layer's cost.
    public struct LayerCost: Equatable, Sendable {
        /// Position in the model (`layers.{position}`).
        public var position: Int
        /// Trainable scalars.
        public var parameters: Int
        /// Forward FLOPs per sample (2 × multiply-accumulates).
        public var flops: Int

        public init(position: Int, name: String? = nil, parameters: Int, flops: Int) {
            self.position = position
            self.name = name ?? "layers.\(position)"
            self.parameters = parameters
            self.flops = flops
        }

        /// The node's name (`layers.{position}` in a chain).
        public var name: String
    }

    /// Every layer of the model, in order (parameter-free layers with zeros).
    public var layers: [LayerCost]

    /// Total trainable parameters.
    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    /// Total forward FLOPs per sample.
    public var flops: Int { layers.reduce(0) { $0 + $1.flops } }

    public init(layers: [LayerCost]) { self.layers = layers }

    /// The cost of `model`, from its architecture's shapes and, for sparse layers and masked
    /// convolutions, their actual connection counts.
    public init(_ model: Network) {
        let shapes = (try? model.architecture.shapes()) ?? []
        precondition(shapes.count == model.layers.count + 1, "the model's architecture does not fit together")
        var result = [LayerCost]()
        let architecture = model.architecture
        for (i, spec) in architecture.layers.enumerated() {
            let (parameters, flops) = ModelCost.cost(
                of: spec, input: shapes[architecture.inputs[i][0]], output: shapes[i + 1],
                connections: model.layers[i].maskedConnections)
            result.append(LayerCost(position: i, name: architecture.names[i], parameters: parameters, flops: flops))
        }
        self.init(layers: result)
    }

    /// The cost of one layer spec between the shapes `input` and `output` (`[C, H, W]`), with
    /// `connections` the kept connections of a sparse layer or a masked convolution (nil: all
    /// weights of a dense layer).
    static func cost(
        of spec: Architecture.LayerSpec, input: [Int], output: [Int], connections: Int?
    ) -> (parameters: Int, flops: Int) {
        let inputs = input.reduce(1, *), outputs = output.reduce(1, *)
        switch spec {
        case .dense(let n):
            return (n * inputs + n, 2 * n * inputs)
        case .sparseDense(let n, _):
            precondition(connections != nil, "a sparse layer's cost needs its connection count")
            return (connections! + n, 2 * connections!)
        case .conv2d(let filters, let kernel, _):
            let weights = connections ?? filters * input[0] * kernel * kernel
            let pixels = output[1] * output[2]
            return (weights + filters, 2 * weights * pixels)
        case .convolution(let c):
            let weights = connections ?? c.filters * (input[0] / c.groups) * c.kernel * c.kernel
            let pixels = output[1] * output[2]
            return (weights + (c.bias ? c.filters : 0), 2 * weights * pixels)
        case .batchNorm:
            return (2 * Architecture.channelLayout(of: input).channels, 0)
        case .srelu:
            return (4 * outputs, 0)
        case .relu, .dropout, .maxPool, .averagePool, .globalAveragePooling, .add, .flatten, .identity, .pooling, .clip,
             .sigmoid, .silu, .multiply:
            return (0, 0)
        case .channelAffine:  // constants (buffers), not parameters
            return (0, 0)
        }
    }
}
