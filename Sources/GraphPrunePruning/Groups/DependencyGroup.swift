import GraphPruneIO
import GraphPruneNetwork

/// A set of channels that structured pruning must remove together, derived from the graph (as
/// Torch-Pruning's DepGraph derives its groups from a traced model), never from an
/// architecture's name.
///
/// **Channel spaces.** A node either *produces* new channels — a Dense or sparse layer (its
/// units) or an ungrouped convolution (its filters): its output rows are channels, its input is
/// read in column blocks — or acts *channel-wise*: activations, dropout, BatchNorm, pooling,
/// Flatten, Identity, a depthwise convolution, and Add, whose inputs and output share one space
/// (channel `k` of a residual sum is channel `k` of every summand). Joining every channel-wise
/// node's input and output activations (union–find) partitions the activations into spaces; a
/// group is one space with:
/// - `producers`: the nodes whose output rows are the space's channels (in a ResNet stage, the
///   stem or the blocks' second convolutions and the projection shortcut — all pruned alike);
/// - `members`: the channel-wise nodes inside it (their per-channel state is sliced);
/// - `consumers`: the producers that read it (their input column blocks are removed), with
///   `area[a]`, the features per channel of each activation `a` of the space (`H·W` of a
///   convolution's output, 1 for a vector, `H·W` again after a Flatten).
///
/// A space cannot be pruned (`blocked`) when it holds the network's input or its logits, when
/// nothing produces it, or when a node reads it in a layout pruning cannot follow (a
/// convolution or a pool reading a Dense layer's units as pixels, a grouped convolution).
/// Neuron pruning of a chain MLP is the one-producer, one-consumer case.
public struct DependencyGroup: Equatable, Sendable {
    /// The channels of the space (each producer's output units).
    public var units: Int
    public var producers: [Int]
    public var members: [Int]
    public var consumers: [Int]
    /// Features per channel of each activation of the space.
    public var area: [Int: Int]
    /// Why the group cannot be pruned, or nil.
    public var blocked: String?
}

extension DependencyGroup {
    /// The groups of `architecture` whose space has a producer, ordered by their first producer.
    /// - Complexity: O(nodes · α(nodes)) for the union–find, plus O(nodes) per group.
    public static func groups(of architecture: Architecture) throws -> [DependencyGroup] {
        let shapes = try architecture.shapes()
        let count = architecture.layers.count
        var parent = Array(0...count)
        func find(_ a: Int) -> Int {
            var a = a
            while parent[a] != a { parent[a] = parent[parent[a]]; a = parent[a] }
            return a
        }
        let roles = architecture.layers.indices.map { role(of: architecture, node: $0, shapes: shapes) }
        for (i, role) in roles.enumerated() where role == .channelwise {
            for a in architecture.inputs[i] { parent[find(a)] = find(i + 1) }
        }
        var spaces = [Int: [Int]]()
        for a in 0...count { spaces[find(a), default: []].append(a) }
        var groups = [DependencyGroup]()
        for activations in spaces.values {
            let inSpace = Set(activations)
            let producers = (0..<count).filter { roles[$0] == .producer && inSpace.contains($0 + 1) }
            guard let first = producers.first else { continue }
            let members = (0..<count).filter { roles[$0] != .producer && inSpace.contains($0 + 1) }
            let consumers = (0..<count).filter { roles[$0] == .producer && inSpace.contains(architecture.inputs[$0][0]) }
            let units = outputUnits(of: architecture, node: first, shapes: shapes)
            var area = [Int: Int]()
            for a in activations { area[a] = shapes[a].reduce(1, *) / max(1, units) }
            var group = DependencyGroup(units: units, producers: producers, members: members, consumers: consumers, area: area)
            group.blocked = blockingReason(group, activations: inSpace, architecture: architecture, shapes: shapes, roles: roles)
            groups.append(group)
        }
        return groups.sorted { $0.producers[0] < $1.producers[0] }
    }

    /// How a node treats channels.
    enum Role: Equatable { case producer, channelwise, blocking }

    /// The units a producer's output rows are: a convolution's filters (its output's `C`, even
    /// when the output is one row of pixels), a Dense layer's outputs.
    static func outputUnits(of architecture: Architecture, node i: Int, shapes: [[Int]]) -> Int {
        switch architecture.layers[i] {
        case .conv2d, .convolution: return shapes[i + 1][0]
        default: return shapes[i + 1].reduce(1, *)
        }
    }

    static func role(of architecture: Architecture, node i: Int, shapes: [[Int]]) -> Role {
        switch architecture.layers[i] {
        case .dense, .sparseDense, .conv2d: return .producer
        case .convolution(let c):
            let channels = shapes[architecture.inputs[i][0]][0]
            if c.groups == 1 { return .producer }
            return c.groups == channels && c.filters == channels ? .channelwise : .blocking
        case .batchNorm, .relu, .srelu, .dropout, .maxPool, .averagePool, .globalAveragePooling, .add, .flatten, .identity,
             .pooling, .clip, .channelAffine, .sigmoid, .silu, .multiply:
            return .channelwise
        }
    }

    /// Why the space cannot be pruned, or nil.
    private static func blockingReason(
        _ group: DependencyGroup, activations: Set<Int>, architecture: Architecture, shapes: [[Int]], roles: [Role]
    ) -> String? {
        let names = architecture.names
        if activations.contains(0) { return "its channels are the network's input" }
        if activations.contains(architecture.layers.count) { return "its channels are the logits" }
        for p in group.producers where outputUnits(of: architecture, node: p, shapes: shapes) != group.units {
            return "\(names[p]) produces \(outputUnits(of: architecture, node: p, shapes: shapes)) channels and \(names[group.producers[0]]) \(group.units) in the same space"
        }
        for i in 0..<architecture.layers.count where roles[i] == .blocking && activations.contains(i + 1) {
            return "\(names[i]) is a grouped convolution"
        }
        for a in activations where shapes[a].reduce(1, *) % group.units != 0 {
            return "activation of shape \(shapes[a]) does not hold \(group.units) channels"
        }
        // Nodes that read the space per channel (spatially) must see the units as channels.
        let readers = (0..<architecture.layers.count).filter { i in architecture.inputs[i].contains { activations.contains($0) } }
        for i in readers {
            let input = shapes[architecture.inputs[i][0]]
            if roles[i] == .blocking { return "\(names[i]) is a grouped convolution" }
            if case .channelAffine(let scale, let shift) = architecture.layers[i], scale.count > 1 || shift.count > 1 {
                return "\(names[i]) applies constants per channel"
            }
            // Convolutions and pools read channels of an image; BatchNorm reads a vector's
            // features as channels (BatchNorm1d).
            let channels: Int?
            switch architecture.layers[i] {
            case .conv2d, .convolution, .maxPool, .averagePool, .pooling, .globalAveragePooling: channels = input[0]
            case .batchNorm, .channelAffine, .multiply: channels = Architecture.channelLayout(of: input).channels
            case .dense, .sparseDense, .relu, .srelu, .dropout, .add, .flatten, .identity, .clip, .sigmoid, .silu: channels = nil
            }
            if let channels, channels != group.units {
                return "\(names[i]) reads \(channels) channels of shape \(input), not the \(group.units) units of \(names[group.producers[0]])"
            }
        }
        return nil
    }
}
