import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

extension NeuronPruning {
    /// The model with, for every selected group, only its listed channels (ascending): each
    /// node restricted (`Layer.restricted(to:)`) to the kept rows it produces and the kept
    /// channels it reads, on its new input shape; nodes outside every group are copied. The
    /// groups must be prunable (`DependencyGroup.blocked` nil) and disjoint.
    /// - Complexity: O(parameters) copying, plus O(nnz) for sparse layers.
    static func rebuild(_ model: Network, keeping selections: [(group: DependencyGroup, kept: [Int])]) throws -> Network {
        let architecture = model.architecture
        var keptChannels = [Int: [Int]](), area = [Int: Int](), keptRows = [Int: [Int]]()
        for (group, kept) in selections {
            for (a, features) in group.area {
                keptChannels[a] = kept
                area[a] = features
            }
            for p in group.producers { keptRows[p] = kept }
        }
        let originalShapes = try architecture.shapes()
        var specs = architecture.layers
        for (i, spec) in specs.enumerated() {
            if let kept = keptRows[i] {
                specs[i] = spec.withUnits(kept.count)
            } else if let kept = keptChannels[i + 1], case .convolution(var c) = spec, c.groups > 1 {
                // A depthwise convolution inside a group (the only grouped one a group may hold):
                // one filter and one group per channel.
                precondition(c.groups == c.filters && c.filters == originalShapes[architecture.inputs[i][0]][0],
                              "only depthwise convolutions are channel-wise members of a group")
                (c.filters, c.groups) = (kept.count, kept.count)
                specs[i] = .convolution(c)
            }
        }
        let rebuilt = architecture.replacingLayers(specs)
        let shapes = try rebuilt.shapes()
        let layers = model.layers.enumerated().map { i, layer -> any Layer in
            let a = architecture.inputs[i][0]
            guard keptRows[i] != nil || keptChannels[a] != nil else { return layer }
            let s = shapes[a]
            return layer.restricted(to: UnitSelection(
                outputs: keptRows[i], inputs: keptChannels[a], inputArea: area[a] ?? 1,
                input: ImageShape(channels: s[0], height: s[1], width: s[2])))
        }
        return Network(architecture: rebuilt, layers: layers)
    }
}
