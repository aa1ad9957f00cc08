import Foundation

/// The study's plots as SVG documents (see `StudySpec.Plot`).
extension StudyReport {
    /// One SVG per plot of the study, in order, named `NAME-plotK.svg` (K from 1).
    public func plots() throws -> [(fileName: String, title: String, svg: String)] {
        try spec.plots.enumerated().map { k, plot in
            let title = plot.title ?? defaultTitle(plot)
            return ("\(spec.name)-plot\(k + 1).svg", title, try svg(plot, title: title))
        }
    }

    func defaultTitle(_ plot: StudySpec.Plot) -> String {
        let metric = RunMetrics.label(plot.metric, percent: false)
        switch plot.kind {
        case .lines, .bars: return "\(metric) vs \(plot.x?.description ?? "")"
        case .epochs: return "\(metric) per epoch"
        case .trajectory: return "\(metric) vs \(RunMetrics.label(plot.xMetric ?? "", percent: false)), epoch by epoch"
        case .layers: return "\(metric) per layer"
        case .distribution: return "distribution of \(metric) after epochs \(plot.epochs(variant: variant).map(String.init).joined(separator: ", "))"
        }
    }

    func svg(_ plot: StudySpec.Plot, title: String) throws -> String {
        let yLabel = plot.yLabel ?? RunMetrics.label(plot.metric, percent: plot.percent)
        let scale = plot.percent ? 100.0 : 1.0
        switch plot.kind {
        case .lines:
            let x = plot.x!
            let series = try seriesCells(plot, x: x).map { g -> PlotSeries in
                let points = try g.cells.compactMap { xg -> PlotPoint? in
                    guard let xv = xg.key[0]?.doubleValue else {
                        throw ReportError(subject: "plot of \(plot.metric) vs \(x)", problem: "\(x) = \(Self.label(xg.key[0])) is not a number; use a bars plot")
                    }
                    guard let s = SummaryStatistics(values(plot.metric, of: xg.runs, percent: plot.percent)) else { return nil }
                    return PlotPoint(x: xv, y: s.mean, yError: errorBar(s, plot.errorBars))
                }
                return PlotSeries(name: seriesName(plot, g.series), points: points)
            }
            return try LineChart(title: title, xLabel: plot.xLabel ?? x.description, yLabel: yLabel, series: series,
                                 xScale: plot.logX ? .logarithmic : .linear).svg()
        case .bars:
            let x = plot.x!
            let categories = groups([x], filter: plot.filter).map { Self.label($0.key[0]) }
            let series = seriesCells(plot, x: x).map { g -> BarSeries in
                return BarSeries(name: seriesName(plot, g.series), values: categories.map { c in
                    let runs = g.cells.first { Self.label($0.key[0]) == c }?.runs ?? []
                    return SummaryStatistics(values(plot.metric, of: runs, percent: plot.percent))
                        .map { BarValue($0.mean, error: errorBar($0, plot.errorBars)) }
                })
            }
            return try BarChart(title: title, xLabel: plot.xLabel ?? x.description, yLabel: yLabel, categories: categories, series: series).svg()
        case .epochs, .layers:
            let series = groups([plot.series], filter: plot.filter).map { g -> PlotSeries in
                let curves = g.runs.compactMap { results[$0.hash] }.map { plot.kind == .epochs ? epochCurve($0, plot.metric) : layerCurve($0, plot.metric) }
                let length = curves.map(\.count).max() ?? 0
                let points = (0..<length).compactMap { i -> PlotPoint? in
                    guard let s = SummaryStatistics(curves.compactMap { i < $0.count ? $0[i] : nil }.map { $0 * scale }) else { return nil }
                    return PlotPoint(x: Double(plot.kind == .epochs ? i + 1 : i), y: s.mean, yError: errorBar(s, plot.errorBars))
                }
                return PlotSeries(name: seriesName(plot, g.key[0]), points: points)
            }
            let xLabel = plot.xLabel ?? (plot.kind == .epochs ? "epoch (all training phases in order)" : "pruned layer (forward order)")
            return try LineChart(title: title, xLabel: xLabel, yLabel: yLabel, series: series, integerX: true).svg()
        case .trajectory:
            let xMetric = plot.xMetric!
            let series = groups([plot.series], filter: plot.filter).map { g -> PlotSeries in
                let runs = g.runs.compactMap { results[$0.hash] }
                let ys = runs.map { epochCurve($0, plot.metric) }, xs = runs.map { epochCurve($0, xMetric) }
                let length = ys.map(\.count).max() ?? 0
                // Epoch i's point: the means over the runs that recorded both metrics at i.
                let points = (0..<length).compactMap { i -> PlotPoint? in
                    let pairs = zip(xs, ys).compactMap { x, y -> (Double, Double)? in
                        guard i < x.count, i < y.count, let xv = x[i], let yv = y[i], xv.isFinite, yv.isFinite else { return nil }
                        return (xv, yv * scale)
                    }
                    guard let sx = SummaryStatistics(pairs.map(\.0)), let sy = SummaryStatistics(pairs.map(\.1)) else { return nil }
                    return PlotPoint(x: sx.mean, y: sy.mean, yError: errorBar(sy, plot.errorBars))
                }
                return PlotSeries(name: seriesName(plot, g.key[0]), points: points)
            }
            return try LineChart(title: title, xLabel: plot.xLabel ?? RunMetrics.label(xMetric, percent: false), yLabel: yLabel, series: series).svg()
        case .distribution:
            return try distributionChart(plot, title: title).svg()
        }
    }

    /// The half-length of a point's error bar: the sample standard deviation, or the half-width
    /// of the 95 % Student-t interval of the mean (symmetric about it); none for one value.
    func errorBar(_ s: SummaryStatistics, _ bars: StudySpec.ErrorBars) -> Double? {
        guard s.count > 1 else { return nil }
        switch bars {
        case .std: return s.standardDeviation
        case .ci95: return s.confidenceInterval(level: 0.95).map { ($0.upperBound - $0.lowerBound) / 2 }
        }
    }

    /// The plot's runs by series, then by x within each series, both in study order — grouped
    /// like a table's cells, so a run shared by several x values (a baseline) is a point at each.
    func seriesCells(_ plot: StudySpec.Plot, x: StudySpec.SettingLabel) -> [(series: SettingValue?, cells: [(key: [SettingValue?], runs: [PlannedRun])])] {
        let cells = groups([plot.series, x], filter: plot.filter)
        var order = [SettingValue?]()
        for c in cells where !order.contains(c.key[0]) { order.append(c.key[0]) }
        return order.map { s in (s, cells.filter { $0.key[0] == s }.map { ([$0.key[1]], $0.runs) }) }
    }

    private func seriesName(_ plot: StudySpec.Plot, _ key: SettingValue?) -> String {
        guard let s = plot.series else { return RunMetrics.label(plot.metric, percent: plot.percent) }
        return "\(s) = \(Self.label(key))"
    }

    /// A run's per-epoch values of `metric` over all its phases, in order (nil where the epoch
    /// did not record it).
    func epochCurve(_ result: RunResult, _ metric: String) -> [Double?] {
        result.phases.flatMap(\.epochs).map { $0.value(of: metric) }
    }

    func layerCurve(_ result: RunResult, _ metric: String) -> [Double?] {
        result.layers.map { $0.values[metric] }
    }
}
