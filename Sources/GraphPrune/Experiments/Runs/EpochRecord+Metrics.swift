extension EpochRecord {
    /// The per-epoch number called `metric` (`RunMetrics.perEpoch`), nil when this epoch did not
    /// record it (no rewiring after the last epoch, no centrality for SET).
    public func value(of metric: String) -> Double? {
        switch metric {
        case "test_accuracy": testAccuracy
        case "test_loss": testLoss
        case "train_accuracy": trainAccuracy
        case "train_loss": trainLoss
        case "connections": Double(connections)
        case "lc_mean": rewiring?.centrality?.mean
        case "lc_std": rewiring?.centrality?.std
        case "removed": rewiring.map { Double($0.removed.reduce(0, +)) }
        case "regrown": rewiring.map { Double($0.regrown.reduce(0, +)) }
        case "rewiring_seconds": rewiring?.seconds
        default: nil
        }
    }
}
