import Foundation

/// One bar: its height and an optional error half-width.
public struct BarValue: Equatable, Sendable {
    public var value: Double
    /// Half the error bar's height; nil, NaN, ∞, zero or negative ⇒ no error bar.
    public var error: Double?

    public init(_ value: Double, error: Double? = nil) {
        self.value = value
        self.error = error
    }
}

/// A named series of a bar chart: one optional value per category (nil = no bar).
public struct BarSeries: Equatable, Sendable {
    public var name: String
    public var values: [BarValue?]

    public init(name: String, values: [BarValue?]) {
        self.name = name
        self.values = values
    }
}

/// A grouped bar chart with error bars for categorical x (e.g. scorer names), written as a
/// standalone SVG document.
///
/// Category c occupies the c-th of `categories.count` equal slots of the plot area; 80 % of
/// the slot is split evenly between the series, bar s of the group starting at
/// `slot·c + 0.1·slot + s·bar`. Bars rise from 0 (the y axis always includes 0) to their value,
/// downward for negative values, in the series' Okabe–Ito colour; error bars with caps span
/// `value ± error`. NaN, infinite or missing values draw no bar. Category names are written
/// under their group, turned by −35° when the longest does not fit its slot.
///
/// Elements carry classes: `bar`, `error-bar`, `legend-marker`, `legend-label`, `tick-label`,
/// `axis-label`, `title`. Same chart ⇒ byte-identical SVG.
///
/// - Complexity: O(categories × series).
public struct BarChart: Equatable, Sendable {
    public var title: String
    /// The label under the categories, e.g. `"scorer"`.
    public var xLabel: String
    /// The y-axis label, including units.
    public var yLabel: String
    public var categories: [String]
    public var series: [BarSeries]
    public var legendPlacement: LegendPlacement
    public var width: Double
    public var height: Double

    public init(
        title: String, xLabel: String, yLabel: String, categories: [String], series: [BarSeries],
        legendPlacement: LegendPlacement = .automatic, width: Double = 720, height: Double = 450
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
        self.legendPlacement = legendPlacement
        self.width = width
        self.height = height
    }

    /// Whether a bar can be drawn for `bar`, and its error half-width if one is drawn.
    private static func drawable(_ bar: BarValue?) -> (value: Double, error: Double?)? {
        guard let bar, PlotAxis.canShow(bar.value, on: .linear) else { return nil }
        guard let error = bar.error, error.isFinite, error > 0, error <= 1e300 else { return (bar.value, nil) }
        return (bar.value, error)
    }

    /// The chart as a standalone SVG document.
    /// - Throws: `ReportError` naming the chart when a series has a different number of values
    ///   than there are categories, or when the size leaves less than 60 × 60 pixels to plot.
    public func svg() throws -> String {
        let subject = title.isEmpty ? "chart" : "chart \"\(title)\""
        for item in series where item.values.count != categories.count {
            throw ReportError(
                subject: subject,
                problem: "series \"\(item.name)\" has \(item.values.count) values for \(categories.count) categories")
        }
        let bars = series.flatMap { $0.values.compactMap(Self.drawable) }
        let lows = bars.map { $0.value - ($0.error ?? 0) }
        let highs = bars.map { $0.value + ($0.error ?? 0) }
        let yAxis = PlotAxis(scale: .linear, range: lows.min().map { $0...highs.max()! }, includeZero: true)

        func frame(depth: Double, minimumLeft: Double = 0) throws -> ChartFrame {
            try ChartFrame(
                width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, yAxis: yAxis,
                seriesNames: series.map(\.name), legendPlacement: legendPlacement, tickLabelDepth: depth,
                minimumLeft: minimumLeft)
        }
        var chartFrame = try frame(depth: 14)
        let longest = categories.map { TextMetrics.width($0) }.max() ?? 0
        let rotate = !categories.isEmpty && longest > chartFrame.area.width / Double(categories.count) - 6
        if rotate {
            // A label turned by 35° (anchored at its end under the group's centre) reaches
            // sin 35° of its length down and cos 35° of it to the left; the first one must fit.
            let angle = 35 * Double.pi / 180
            let firstLabel = TextMetrics.width(categories[0])
            let halfSlot = chartFrame.area.width / Double(categories.count) / 2
            chartFrame = try frame(
                depth: 14 + longest * sin(angle), minimumLeft: firstLabel * cos(angle) - halfSlot + 8)
        }

        let area = chartFrame.area
        let slot = area.width / Double(max(1, categories.count))
        let barWidth = slot * 0.8 / Double(max(1, series.count))
        let baseline = chartFrame.y(0)
        var svg = SVGDocument(width: width, height: height)
        chartFrame.drawGrid(&svg, xGrid: [])
        let f = SVGDocument.fixed
        for (index, item) in series.enumerated() {
            let style = SeriesStyle(index: index)
            svg.beginGroup([("class", "series"), ("data-name", item.name)])
            for (category, bar) in item.values.enumerated() {
                guard let bar = Self.drawable(bar) else { continue }
                let x = area.left + slot * Double(category) + slot * 0.1 + barWidth * Double(index)
                let top = chartFrame.y(bar.value)
                svg.element(
                    "rect",
                    [("class", "bar"), ("x", f(x)), ("y", f(min(top, baseline))), ("width", f(barWidth)),
                     ("height", f(abs(baseline - top))), ("fill", style.color), ("stroke", "#333333"),
                     ("stroke-width", "0.5")])
                if let error = bar.error {
                    svg.errorBar(
                        x: x + barWidth / 2, low: chartFrame.y(bar.value - error), high: chartFrame.y(bar.value + error),
                        cap: min(8, barWidth * 0.6), color: "#222222")
                }
            }
            svg.endGroup()
        }
        // The zero line over the bars, then axes (category names as x tick labels).
        svg.line(area.left, baseline, area.right, baseline, [("class", "baseline"), ("stroke", "#333333")])
        let ticks = categories.indices.map { (x: area.left + slot * (Double($0) + 0.5), label: categories[$0]) }
        chartFrame.drawAxes(&svg, xTicks: ticks, rotateXLabels: rotate)
        chartFrame.drawLegend(&svg, bars: true)
        return svg.document(title: title)
    }
}
