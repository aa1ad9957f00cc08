import Foundation

/// The names of the numbers a run records, which tables and plots may ask for.
public enum RunMetrics {
    /// Final metrics (`RunResult.metrics`); a procedure records those that apply to it.
    public static let descriptions: [(name: String, meaning: String)] = [
        ("test_accuracy", "test accuracy after the last epoch (fraction)"),
        ("test_loss", "test cross-entropy after the last epoch"),
        ("mean_last_10", "mean test accuracy over the last 10 epochs (paper 003's measure)"),
        ("best_test_accuracy", "highest test accuracy over the epochs of the last phase"),
        ("accuracy_before_pruning", "test accuracy of the trained model before pruning"),
        ("accuracy_after_pruning", "test accuracy right after pruning, before fine-tuning"),
        ("parameters", "trainable parameters of the final model (sparse layers: connections + biases)"),
        ("parameters_before", "trainable parameters before pruning"),
        ("flops", "forward FLOPs per sample of the final model (2 per multiply-add)"),
        ("flops_before", "forward FLOPs per sample before pruning"),
        ("connections", "weights of the final model that exist (nonzero dense weights, stored sparse connections)"),
        ("pruning_ratio", "fraction of neurons removed from each pruned layer"),
        ("density", "fraction of the pruned layers' weights kept"),
        ("graph_edges", "edges of the neuron-similarity graphs of the pruned layers (0: every graph scorer ties)"),
        ("lambda2_before", "mean over pruned layers of λ₂ of the normalised Laplacian before edge pruning"),
        ("lambda2_after", "the same after edge pruning"),
        ("collapsed_neurons", "neurons left without any edge by edge pruning"),
        ("lc_mean", "CenSET: mean Laplacian centrality at the last epoch"),
        ("lc_std", "CenSET: standard deviation of the Laplacian centrality at the last epoch"),
        ("rewired", "connections removed (and regrown) over all epochs of sparse training"),
        ("net_lc_mean", "record-lc: mean Laplacian centrality of the network's neurons after the last epoch (|w|, output layer excluded)"),
        ("net_lc_std", "record-lc: its population standard deviation after the last epoch"),
        ("net_lc_mean_initial", "record-lc: the mean before training"),
        ("net_lc_std_initial", "record-lc: the standard deviation before training"),
        ("source_accuracy", "transfer: test accuracy on the source classes after pre-training"),
        ("target_parameters", "neuron pruning with match-density: the edge-pruned parameter count matched"),
        ("inference_ms", "measure-inference: median milliseconds the final model takes to answer one sample (batch 1)"),
        ("inference_samples_per_s", "measure-inference: median samples per second the final model answers in batches of 100"),
        ("seconds", "wall-clock seconds of the whole run (pre-training served from the process's cache not included)"),
        ("train_seconds", "seconds spent training (all phases; pre-training served from the process's cache not included)"),
        ("prune_seconds", "seconds spent scoring and pruning"),
    ]

    public static let known = descriptions.map(\.name)

    /// Per-epoch numbers (`RunResult.phases[…].epochs`), for `epochs` plots.
    public static let perEpoch = [
        "test_accuracy", "test_loss", "train_accuracy", "train_loss", "connections", "lc_mean", "lc_std", "removed", "regrown", "rewiring_seconds",
        "net_lc_mean", "net_lc_std", "net_lc_median", "net_lc_p95", "net_lc_max",
    ]

    /// Per-epoch distributions (`RewiredEpochRecord.distribution(of:)`), for `distribution`
    /// plots: `net_lc`, the Laplacian centrality of the network's neurons (`record-lc`).
    public static let distributions = ["net_lc"]

    /// Per-layer numbers (`RunResult.layers[…].values`), for `layers` plots.
    public static let perLayer = [
        "units_before", "units_after", "graph_edges", "graph_components", "candidates", "kept", "density", "lambda2_before", "lambda2_after", "collapsed_neurons",
    ]

    /// Axis label of a metric: its meaning, and `(%)` when shown as a percentage.
    public static func label(_ name: String, percent: Bool) -> String {
        let base = name.replacingOccurrences(of: "_", with: " ")
        return percent ? "\(base) (%)" : base
    }
}
