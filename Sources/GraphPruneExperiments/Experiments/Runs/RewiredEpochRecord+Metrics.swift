import GraphPrunePruning

extension RewiredEpochRecord {
    /// The per-epoch number called `metric` (`RunMetrics.perEpoch`), nil when this epoch did not
    /// record it (no rewiring after the last epoch, no centrality for SET).
    public func value(of metric: String) -> Double? {
        switch metric {
        case "test_accuracy": training.testAccuracy
        case "test_loss": training.testLoss
        case "train_accuracy": training.trainAccuracy
        case "train_loss": training.trainLoss
        case "connections": Double(training.connections)
        case "lc_mean": rewiring?.centrality?.mean
        case "lc_std": rewiring?.centrality?.std
        case "removed": rewiring.map { Double($0.removed.reduce(0, +)) }
        case "regrown": rewiring.map { Double($0.regrown.reduce(0, +)) }
        case "rewiring_seconds": rewiring?.seconds
        case "net_lc_mean": centrality?.mean
        case "net_lc_std": centrality?.std
        case "net_lc_median": centrality?.quantile(0.5)
        case "net_lc_p95": centrality?.quantile(0.95)
        case "net_lc_max": centrality?.quantile(1)
        default: nil
        }
    }

    /// The per-epoch distribution called `metric` (`RunMetrics.distributions`), nil when this
    /// epoch did not record it.
    public func distribution(of metric: String) -> CentralityDistribution? {
        metric == "net_lc" ? centrality : nil
    }
}
