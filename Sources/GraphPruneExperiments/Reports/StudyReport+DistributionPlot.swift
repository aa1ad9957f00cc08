import GraphPrunePruning

/// `distribution` plots: how a per-epoch distribution (the neurons' Laplacian centrality)
/// spreads as training goes on — paper 003's Fig. 8, drawn as distribution functions.
extension StudyReport {
    /// One line per series value and listed epoch: the points `(q̄_p, 100 p)` for the stored
    /// levels p = 0, 0.05, …, 1, where `q̄_p` is the mean over the cell's seeds of each run's
    /// p-quantile (quantile averaging, which keeps the shape of the distributions it averages).
    /// So a line is the fraction of neurons whose score is at most x, and its spread to the
    /// right is the distribution's spread. Fig. 8 draws densities; a density from 21 quantiles
    /// would be a histogram of 5 % bins, while the distribution function shows the same
    /// quantiles without binning.
    ///
    /// - Throws: `ReportError` when one series value holds runs of more than one cell (their
    ///   distributions would be averaged together), naming the settings that differ.
    func distributionChart(_ plot: StudySpec.Plot, title: String) throws -> LineChart {
        let epochs = plot.epochs(variant: variant)
        var series = [PlotSeries]()
        for group in groups([plot.series], filter: plot.filter) {
            let cells = Set(group.runs.map { run in run.given.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value)" }.sorted() })
            guard cells.count == 1 else {
                let differing = Set(cells.flatMap { $0 }).filter { entry in !cells.allSatisfy { $0.contains(entry) } }
                throw ReportError(subject: "distribution plot of \(plot.metric)",
                                  problem: "its runs\(plot.series.map { " with \($0) = \(Self.label(group.key[0]))" } ?? "") come from \(cells.count) cells (\(differing.sorted().joined(separator: ", "))); narrow its `where` or give a series")
            }
            let histories = group.runs.compactMap { results[$0.hash] }.map { $0.phases.flatMap(\.epochs) }
            for epoch in epochs {
                let distributions = histories.compactMap { h in epoch <= h.count ? h[epoch - 1].distribution(of: plot.metric) : nil }
                guard let first = distributions.first else { continue }
                let n = Double(distributions.count)
                let points = first.quantiles.indices.map { i in
                    PlotPoint(x: distributions.reduce(0) { $0 + $1.quantiles[i] } / n, y: 100 * CentralityDistribution.levels[i])
                }
                let name = (plot.series.map { "\($0) = \(Self.label(group.key[0])), " } ?? "") + "epoch \(epoch)"
                series.append(PlotSeries(name: name, points: points))
            }
        }
        return LineChart(title: title, xLabel: plot.xLabel ?? "\(RunMetrics.label(plot.metric, percent: false)) (quantiles averaged over seeds)",
                         yLabel: plot.yLabel ?? "neurons at or below (%)", series: series, xScale: plot.logX ? .logarithmic : .linear)
    }
}
