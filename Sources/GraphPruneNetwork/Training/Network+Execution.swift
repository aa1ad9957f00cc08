import GraphPruneIO
import GraphPruneNumerics

/// The forward and backward passes over the node graph, on buffers allocated once per batch size.
extension Network {
    /// Runs every node on `w.activations[0]`, writing `w.activations[1…n]` (a recycling
    /// workspace keeps only `a[0]` and the logits `a[n]` afterwards).
    static func forward(
        _ layers: inout [any Layer], architecture: Architecture, _ w: inout Workspace, training: Bool,
        generator: inout SplitMix64
    ) {
        let recycles = w.recycles
        for i in layers.indices where !w.plan.isFusedReLU(i) {
            let inputs = architecture.inputs[i]
            // Move the output buffer out so it is uniquely referenced while the layer writes it.
            let target = w.plan.target(of: i)
            var output = w.activations[target]
            w.activations[target] = Matrix(rows: 0, columns: 0)
            if recycles && output.columns == 0 { output = w.buffer(width: w.sizes[target]) }
            if inputs.count == 1 {
                let layouts = LayerLayouts(input: w.plan.layouts[inputs[0]], output: w.plan.layouts[i + 1])
                if w.plan.fusesReLU[i] {
                    layers[i].forwardWithReLU(w.activations[inputs[0]], into: &output, layouts: layouts, training: training, generator: &generator)
                } else {
                    layers[i].forward(w.activations[inputs[0]], into: &output, layouts: layouts, training: training, generator: &generator)
                }
            } else if architecture.layers[i] == .add {
                // A residual sum is its layer's output (an identity): summed straight into it.
                output.assign(w.activations[inputs[0]])
                for a in inputs.dropFirst() { output.add(w.activations[a]) }
            } else {
                // The other nodes with several inputs (multiply) read them side by side.
                var joined = w.joined[i]
                w.joined[i] = Matrix(rows: 0, columns: 0)
                if recycles { joined = w.buffer(width: inputs.reduce(0) { $0 + w.sizes[$1] }) }
                var offset = 0
                for a in inputs {
                    joined.copyColumns(from: w.activations[a], at: offset)
                    offset += w.activations[a].columns
                }
                layers[i].forward(joined, into: &output, layouts: .plain, training: training, generator: &generator)
                if recycles { w.recycle(joined) } else { w.joined[i] = joined }
            }
            w.activations[target] = output
            if recycles { w.recycleInputs(of: i, inputs) }
        }
    }

    /// Given `∂L/∂a[n]` in `w.gradients[n]`, runs the nodes' backward passes from the last down
    /// to node `lowest` (nodes below it have nothing to train and need no gradient), each
    /// storing its parameter gradients. A node's output gradient is complete when it runs: its
    /// readers are later nodes, already done. Gradients of activations below `lowest` are not
    /// computed (a layer that can skip `∂L/∂input` gets a `0 × 0` buffer).
    static func backward(
        _ layers: inout [any Layer], architecture: Architecture, readers: [Int], _ w: inout Workspace, through lowest: Int
    ) {
        let last = layers.count
        for a in w.written.indices { w.written[a] = a == last }
        for i in stride(from: last - 1, through: lowest, by: -1) {
            let inputs = architecture.inputs[i]
            // An activation a = j + 1 needs a gradient only if node j (≥ lowest) will run.
            let needed = inputs.contains { $0 > lowest }
            // A fused ReLU's input (never computed) has the signs of its output, all its backward
            // reads; a node that fused a ReLU wrote its output there.
            let input = inputs.count == 1 ? w.activations[w.plan.isFusedReLU(i) ? i + 1 : inputs[0]] : w.joined[i]
            let output = w.activations[w.plan.target(of: i)]
            // A node with several inputs reads them plain (the layout plan keeps them plain).
            let layouts = LayerLayouts(input: inputs.count == 1 ? w.plan.layouts[inputs[0]] : .plain, output: w.plan.layouts[i + 1])
            if !needed && layers[i].skipsInputGradient {
                var unused = Matrix<Float>(rows: 0, columns: 0)
                layers[i].backward(input: input, output: output, outputGradient: w.gradients[i + 1],
                                   inputGradient: &unused, layouts: layouts)
                continue
            }
            if inputs.count == 1 && readers[inputs[0]] == 1 {
                // The only reader: write ∂L/∂input straight into the input's gradient.
                let a = inputs[0]
                var inputGradient = w.gradients[a]
                w.gradients[a] = Matrix(rows: 0, columns: 0)
                layers[i].backward(input: input, output: output, outputGradient: w.gradients[i + 1],
                                   inputGradient: &inputGradient, layouts: layouts)
                w.gradients[a] = inputGradient
                w.written[a] = true
                continue
            }
            if architecture.layers[i] == .add {
                // The identity's input gradient is its output gradient: handed to every summand.
                for a in inputs where a > lowest { w.addGradient(w.gradients[i + 1], to: a) }
                continue
            }
            var inputGradient = w.scratch[i]
            w.scratch[i] = Matrix(rows: 0, columns: 0)
            layers[i].backward(input: input, output: output, outputGradient: w.gradients[i + 1],
                               inputGradient: &inputGradient, layouts: layouts)
            if needed && architecture.layers[i].concatenatesInputs {
                // Each input side by side receives its own columns of the gradient.
                var offset = 0
                for a in inputs {
                    if a > lowest {
                        w.gradients[a].addColumns(of: inputGradient, at: offset, assigning: !w.written[a])
                        w.written[a] = true
                    }
                    offset += w.activations[a].columns
                }
            } else if needed {
                // An input other nodes read too: each reader adds its share.
                w.addGradient(inputGradient, to: inputs[0])
            }
            w.scratch[i] = inputGradient
        }
    }
}

extension Matrix where Scalar == Float {
    /// Writes `part` (same rows) into the columns `offset ..< offset + part.columns`.
    /// - Complexity: O(rows · part.columns), one copy per row.
    mutating func copyColumns(from part: Matrix<Float>, at offset: Int) {
        precondition(part.rows == rows && offset + part.columns <= columns, "column block does not fit")
        let (width, n) = (part.columns, columns)
        part.elements.withUnsafeBufferPointer { src in
            elements.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    (dst.baseAddress! + r * n + offset).update(from: src.baseAddress! + r * width, count: width)
                }
            }
        }
    }

    /// Adds (or, `assigning`, writes) the columns `offset ..< offset + columns` of `whole` into
    /// this matrix (same rows, that many columns).
    /// - Complexity: O(rows · columns).
    mutating func addColumns(of whole: Matrix<Float>, at offset: Int, assigning: Bool) {
        precondition(whole.rows == rows && offset + columns <= whole.columns, "column block does not fit")
        let (width, n) = (columns, whole.columns)
        whole.elements.withUnsafeBufferPointer { src in
            elements.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let from = src.baseAddress! + r * n + offset, to = dst.baseAddress! + r * width
                    if assigning { to.update(from: from, count: width) } else { for k in 0..<width { to[k] += from[k] } }
                }
            }
        }
    }
}
