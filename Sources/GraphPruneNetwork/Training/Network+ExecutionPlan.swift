import GraphPruneNumerics

extension Network {
    /// How a workspace runs the nodes: the layout of every activation (`Network+Layouts.swift`)
    /// and which nodes compute the ReLU node after them inside their own forward pass.
    ///
    /// **ReLU fusion.** Node `i` fuses node `i + 1` when that node is a ReLU reading only
    /// activation `i + 1`, nothing else reads that activation, and layer `i` computes
    /// `max(0, f(x))` at no extra cost (`Layer.fusesReLU`: a oneDNN convolution's post-op). Node
    /// `i` then writes `max(0, f(x))` straight into activation `i + 2` and the ReLU's forward is
    /// skipped: one pass over the activation less. Activation `i + 1` (the pre-activation) is
    /// not computed; no one needs it: the ReLU's backward reads its output (`[y > 0]` equals
    /// `[x > 0]`, so it is given its output as its input too) and a convolution's backward reads
    /// its input and `∂L/∂output`. The values are those of the two passes (the ReLU computed on
    /// the sum in registers instead of from memory).
    struct ExecutionPlan {
        var layouts: [ActivationLayout]
        /// Per node: its forward also computes node `i + 1`, a ReLU.
        var fusesReLU: [Bool]

        /// Every activation plain, every node on its own: what `Network+Gradients.swift` runs,
        /// which hands out every activation.
        static func plain(_ architecture: Architecture) -> ExecutionPlan {
            ExecutionPlan(layouts: [ActivationLayout](repeating: .plain, count: architecture.layers.count + 1),
                          fusesReLU: [Bool](repeating: false, count: architecture.layers.count))
        }

        /// Whether node `i` is a ReLU that node `i − 1` computes.
        func isFusedReLU(_ i: Int) -> Bool { i > 0 && fusesReLU[i - 1] }

        /// The activation node `i` writes: `i + 2` when it computes the ReLU after it.
        func target(of i: Int) -> Int { fusesReLU[i] ? i + 2 : i + 1 }
    }

    /// The plan for batches of `batch`: the layout plan, then the ReLU fusions it allows.
    /// O(n²) `accepts` calls for the layouts (see `layoutPlan`), n `fusesReLU` calls.
    static func executionPlan(_ layers: inout [any Layer], architecture: Architecture, batch: Int) -> ExecutionPlan {
        var plan = ExecutionPlan.plain(architecture)
        plan.layouts = layoutPlan(&layers, architecture: architecture, batch: batch)
        let readers = architecture.readerCounts
        for i in layers.indices.dropLast() where !plan.isFusedReLU(i) {
            let inputs = architecture.inputs[i]
            guard inputs.count == 1, architecture.layers[i + 1] == .relu, architecture.inputs[i + 1] == [i + 1],
                  readers[i + 1] == 1 else { continue }
            let layouts = LayerLayouts(input: plan.layouts[inputs[0]], output: plan.layouts[i + 1])
            plan.fusesReLU[i] = layers[i].fusesReLU(layouts, batch: batch)
        }
        return plan
    }
}
