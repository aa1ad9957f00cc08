import Foundation
import GraphPruneNetwork

/// Which layers a pruning request names (the `layers` setting, the `--layers` option).
public enum LayerSelection {
    /// Positions of the layers named by the `layers` setting: `hidden` (every Dense layer but
    /// the output), `first-hidden`, `last-hidden`, `conv` (every convolution), `all` (both), or
    /// node names (`layers.{i}`, `layer1.0.conv1`) separated by commas.
    public static func positions(_ spec: String, in model: Network) throws -> [Int] {
        let prunable = ModelSurgery.prunableLayers(of: model)
        let dense = prunable.filter { $0.kind != .convolution }.map(\.position)
        let chosen: [Int]
        switch spec {
        case "hidden": chosen = dense
        case "first-hidden": chosen = Array(dense.prefix(1))
        case "last-hidden": chosen = Array(dense.suffix(1))
        case "conv": chosen = prunable.filter { $0.kind == .convolution }.map(\.position)
        case "all": chosen = prunable.map(\.position)
        default:
            chosen = try spec.split(separator: ",").map { token in
                let name = token.trimmingCharacters(in: .whitespaces)
                guard let layer = prunable.first(where: { $0.name == name }) else {
                    throw LayerSelectionError("layers: '\(name)' is not a prunable layer of this model (prunable: \(prunable.map(\.name).joined(separator: ", ")); the output layer is never pruned)")
                }
                return layer.position
            }
        }
        guard !chosen.isEmpty else { throw LayerSelectionError("layers: '\(spec)' selects no layer of this model") }
        return chosen.sorted()
    }
}

/// A `layers` value that names no prunable layer; the message lists the prunable ones.
public struct LayerSelectionError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
