import GraphPruneIO
import GraphPruneNumerics

extension Network {
    /// Every buffer one batch size needs: the activations `a[0…n]` (`a[0]` = the batch), their
    /// gradients (training only), for each node that `concatenatesInputs` the buffer of its inputs
    /// side by side (a residual sum needs none: it is summed into its output), and a scratch input
    /// gradient for nodes that cannot write theirs into their input's gradient directly (an
    /// input that other nodes read too, or inputs side by side).
    ///
    /// **Recycling.** A workspace without gradients (evaluation, inference) keeps only the
    /// activations still to be read: the forward pass takes each node's output buffer from
    /// ``idle`` (buffers by width) and returns an activation's buffer there after its last reader
    /// ran, so a deep network holds a few activations instead of all of them (ResNet-20 on
    /// FashionMNIST in batches of 1000: the widest three or four of 72), and the batches after the
    /// first reuse them without touching fresh memory. The input `a[0]` and the logits `a[n]` are
    /// never recycled; `a[i]` of a recycling workspace is `0 × 0` between its uses.
    struct Workspace {
        var activations: [Matrix<Float>]
        var gradients: [Matrix<Float>] = []
        var joined: [Matrix<Float>]
        var scratch: [Matrix<Float>] = []
        /// Whether an activation's gradient has received its first contribution in this step.
        var written: [Bool] = []
        var labels: [Int32]
        /// The layout of every activation and its gradient, and the fused ReLUs
        /// (`Network+ExecutionPlan.swift`); all plain and unfused unless made with a plan.
        let plan: ExecutionPlan
        private(set) var hasGradients = false
        /// Features per sample of every activation.
        let sizes: [Int]
        /// Per activation, the last node that reads it (`-1`: none).
        let lastReader: [Int]
        /// Recycled buffers (`batch × width`) by width; empty once the workspace has gradients.
        private var idle: [Int: [Matrix<Float>]] = [:]

        /// Whether activations are recycled (no gradients: nothing reads them after the forward).
        var recycles: Bool { !hasGradients }

        /// Buffers for `batch` samples of `network` (with gradients for training), run by `plan`
        /// (default: all plain, every node on its own).
        init(batch: Int, network: Network, gradients: Bool, plan: ExecutionPlan? = nil) {
            let sizes = network.architecture.sizes
            self.sizes = sizes
            self.plan = plan ?? .plain(network.architecture)
            precondition(self.plan.layouts.count == sizes.count, "a plan for \(self.plan.layouts.count) activations, not \(sizes.count)")
            var lastReader = [Int](repeating: -1, count: sizes.count)
            for (i, inputs) in network.architecture.inputs.enumerated() { for a in inputs { lastReader[a] = i } }
            self.lastReader = lastReader
            let last = sizes.count - 1
            activations = sizes.indices.map { a in
                gradients || a == 0 || a == last ? Matrix(rows: batch, columns: sizes[a]) : Matrix(rows: 0, columns: 0)
            }
            joined = network.architecture.layers.indices.map { i in
                gradients ? Self.joinedInputs(network.architecture, node: i, batch: batch, sizes: sizes) : Matrix(rows: 0, columns: 0)
            }
            labels = [Int32](repeating: 0, count: batch)
            if gradients { allocateGradients(network: network) }
        }

        /// Gradient buffers, and every activation and sum kept from now on (a workspace that
        /// recycled them allocates them whole).
        mutating func allocateGradients(network: Network) {
            let batch = labels.count, sizes = self.sizes, readers = network.readers
            for a in activations.indices where activations[a].rows != batch || activations[a].columns != sizes[a] {
                activations[a] = Matrix(rows: batch, columns: sizes[a])
            }
            joined = network.architecture.layers.indices.map { i in Self.joinedInputs(network.architecture, node: i, batch: batch, sizes: sizes) }
            idle = [:]
            gradients = sizes.map { Matrix(rows: batch, columns: $0) }
            scratch = network.architecture.inputs.indices.map { i in
                let inputs = network.architecture.inputs[i]
                return readers[inputs[0]] > 1 && inputs.count == 1
                    ? Matrix(rows: batch, columns: sizes[inputs[0]]) : Self.joinedInputs(network.architecture, node: i, batch: batch, sizes: sizes)
            }
            written = [Bool](repeating: false, count: sizes.count)
            hasGradients = true
        }

        /// The buffer of node `i`'s inputs side by side when it `concatenatesInputs`, else `0 × 0`.
        static func joinedInputs(_ architecture: Architecture, node i: Int, batch: Int, sizes: [Int]) -> Matrix<Float> {
            guard architecture.layers[i].concatenatesInputs else { return Matrix(rows: 0, columns: 0) }
            return Matrix(rows: batch, columns: architecture.inputs[i].reduce(0) { $0 + sizes[$1] })
        }

        /// Adds `gradient` to activation `a`'s gradient (writes it, for the first contribution
        /// of this step): a reader's share of `∂L/∂a`.
        mutating func addGradient(_ gradient: Matrix<Float>, to a: Int) {
            if written[a] { gradients[a].add(gradient) } else { gradients[a].assign(gradient) }
            written[a] = true
        }

        /// A `batch × width` buffer: a recycled one, or a new one. Its contents are stale.
        mutating func buffer(width: Int) -> Matrix<Float> {
            idle[width]?.popLast() ?? Matrix(rows: labels.count, columns: width)
        }

        /// Returns `m` to the idle buffers (an empty matrix is dropped).
        mutating func recycle(_ m: Matrix<Float>) {
            guard m.rows > 0 && m.columns > 0 else { return }
            idle[m.columns, default: []].append(m)
        }

        /// After node `i` ran: the buffers of the inputs it read last (not the batch, not the logits).
        mutating func recycleInputs(of i: Int, _ inputs: [Int]) {
            for a in inputs where a != 0 && a != sizes.count - 1 && lastReader[a] == i {
                recycle(activations[a])
                activations[a] = Matrix(rows: 0, columns: 0)
            }
        }
    }
}
