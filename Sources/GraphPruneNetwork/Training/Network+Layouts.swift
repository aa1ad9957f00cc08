import GraphPruneNumerics

/// The layout plan (part of the `ExecutionPlan`): which activations a training step, an
/// evaluation or a `BatchInference` keeps channel-blocked (``ActivationLayout/channelBlocked16``) instead of plain.
///
/// oneDNN's convolutions compute in the channel-blocked layout on AVX-512. A plain activation
/// between two convolutions costs four reorders a training step (the first convolution's output
/// and `∂L/∂output`, the second's input and `∂L/∂input`, each a full pass over the tensor), and
/// the ReLU and max-pooling between them are as cheap in either layout. So an activation is kept
/// channel-blocked wherever every layer that writes or reads it computes in that layout; the
/// network's input, its logits, everything a node with several inputs reads (a residual sum) and
/// everything other code reads (`Network+Gradients.swift` runs all plain) stay plain.
///
/// The plan changes where numbers sit, not which numbers are computed: oneDNN computes the same
/// blocked kernels with or without the reorders, ReLU is entrywise and max-pooling compares the
/// same entries in the same order, so a planned step's results are bit-identical to a plain one's.
extension Network {
    /// The layout of every activation (`sizes.count` entries) for batches of `batch`.
    ///
    /// Starts from every activation that could be blocked (an image of whole channel blocks,
    /// written by a node with one input, read only by nodes with one input, neither the input nor
    /// the logits) and demotes the input and output of every node that does not accept its pair
    /// of layouts (`Layer.accepts`) to plain, until every node accepts: each round demotes at
    /// least one activation, so at most `n` rounds of `n` nodes, O(n²) `accepts` calls (a
    /// convolution builds its primitives for a pair the first time it is asked).
    static func layoutPlan(_ layers: inout [any Layer], architecture: Architecture, batch: Int) -> [ActivationLayout] {
        let count = architecture.layers.count + 1
        var plan = [ActivationLayout](repeating: .plain, count: count)
        guard batch > 0, let shapes = try? architecture.shapes(), shapes.count == count else { return plan }
        var candidate = shapes.map { $0.count == 3 && ActivationLayout.allowsChannelBlocking(channels: $0[0]) }
        (candidate[0], candidate[count - 1]) = (false, false)
        for (i, inputs) in architecture.inputs.enumerated() where inputs.count > 1 {
            candidate[i + 1] = false
            for a in inputs { candidate[a] = false }
        }
        for a in plan.indices where candidate[a] { plan[a] = .channelBlocked16 }
        var changed = true
        while changed {
            changed = false
            for (i, inputs) in architecture.inputs.enumerated() where inputs.count == 1 {
                let layouts = LayerLayouts(input: plan[inputs[0]], output: plan[i + 1])
                guard layouts != .plain, !layers[i].accepts(layouts, batch: batch) else { continue }
                (plan[inputs[0]], plan[i + 1]) = (.plain, .plain)
                changed = true
            }
        }
        return plan
    }
}
