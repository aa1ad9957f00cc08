import Foundation

/// One measurement of a line chart: x, y and an optional error half-width (e.g. the standard
/// deviation over seeds), drawn as a bar from `y − yError` to `y + yError`.
public struct PlotPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double
    /// Half the error bar's height; nil, NaN, ∞, zero or negative ⇒ no error bar.
    public var yError: Double?

    public init(x: Double, y: Double, yError: Double? = nil) {
        self.x = x
        self.y = y
        self.yError = yError
    }

    /// The error as drawn: a positive finite half-width, else nil.
    var drawnError: Double? {
        guard let yError, yError.isFinite, yError > 0, yError <= 1e300 else { return nil }
        return yError
    }
}

/// A named series of points, e.g. one scorer's accuracy at each density.
public struct PlotSeries: Equatable, Sendable {
    public var name: String
    public var points: [PlotPoint]

    public init(name: String, points: [PlotPoint]) {
        self.name = name
        self.points = points
    }
}

/// A line chart with error bars, written as a standalone SVG document.
///
/// Each series is drawn in its `SeriesStyle` (Okabe–Ito colour, marker, dash): error bars
/// with caps, then a polyline through the points in increasing x (ties keep input order),
/// then a marker per point. Points whose x or y cannot be shown (NaN, ±∞, |v| > 1e300, or
/// x ≤ 0 on a logarithmic x axis) are skipped, so no `nan`/`inf` ever reaches the SVG; the
/// line joins the remaining neighbours. A series with one drawable point has a marker and no
/// line. The axes cover every drawn point including its error bar, with 1-2-5 ticks (see
/// `PlotAxis`); equal values are padded into a visible range; a chart with no drawable point
/// still has its frame, labels and legend.
///
/// Elements carry classes for styling and tests: `marker`, `error-bar`, `series-line`,
/// `legend-marker`, `legend-label`, `tick-label`, `axis-label`, `title`.
///
/// The output is deterministic: same chart ⇒ byte-identical SVG (pixels with two decimals).
///
/// - Complexity: O(P log P) for P points (sorting by x).
public struct LineChart: Equatable, Sendable {
    public var title: String
    /// The x-axis label, including units, e.g. `"density (%)"`.
    public var xLabel: String
    /// The y-axis label, including units, e.g. `"test accuracy (%)"`.
    public var yLabel: String
    public var series: [PlotSeries]
    /// `.logarithmic` for densities from 50 % down to 1 %.
    public var xScale: AxisScale
    public var legendPlacement: LegendPlacement
    /// Size of the SVG in pixels.
    public var width: Double
    public var height: Double
    /// x ticks only at integers (epochs, layer indices); linear scale.
    public var integerX: Bool

    public init(
        title: String, xLabel: String, yLabel: String, series: [PlotSeries], xScale: AxisScale = .linear,
        legendPlacement: LegendPlacement = .automatic, width: Double = 720, height: Double = 450, integerX: Bool = false
    ) {
        self.integerX = integerX
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xScale = xScale
        self.legendPlacement = legendPlacement
        self.width = width
        self.height = height
    }

    /// Where the chart puts things: the plot area and both axes.
    public struct Layout: Equatable, Sendable {
        public let area: PlotArea
        public let xAxis: PlotAxis
        public let yAxis: PlotAxis
        /// `.right` or `.below`.
        public let legendPlacement: LegendPlacement
        /// Pixels between the frame and each end of both axes (points at the ends of the range
        /// stay off the frame).
        public let inset: Double

        /// The pixel of a data point: `x = left + inset + fx · (width − 2 inset)`,
        /// `y = bottom − inset − fy · (height − 2 inset)` with `f` each axis's `fraction(of:)`.
        public func pixel(x: Double, y: Double) -> (x: Double, y: Double) {
            (area.left + inset + xAxis.fraction(of: x) * (area.width - 2 * inset),
             area.bottom - inset - yAxis.fraction(of: y) * (area.height - 2 * inset))
        }
    }

    /// Gap between the frame and the axis ends, in pixels.
    static let inset = 10.0

    /// The points of series `index` that can be drawn, sorted by x (stable).
    func drawablePoints(_ index: Int) -> [PlotPoint] {
        let scale = xScale
        let kept = series[index].points.enumerated().filter { _, point in
            PlotAxis.canShow(point.x, on: scale) && PlotAxis.canShow(point.y, on: .linear)
        }
        return kept.sorted { a, b in a.element.x != b.element.x ? a.element.x < b.element.x : a.offset < b.offset }
            .map(\.element)
    }

    /// The layout for the current data and size.
    /// - Throws: `ReportError` when the size is too small for the plot area.
    public func layout() throws -> Layout {
        try frameAndAxis().layout
    }

    private func frameAndAxis() throws -> (frame: ChartFrame, layout: Layout) {
        let points = series.indices.flatMap(drawablePoints)
        let xs = points.map(\.x)
        let lows = points.map { $0.y - ($0.drawnError ?? 0) }
        let highs = points.map { $0.y + ($0.drawnError ?? 0) }
        let xRange = xs.min().map { $0...xs.max()! }
        let yRange = lows.min().map { $0...highs.max()! }
        let xAxis = PlotAxis(scale: xScale, range: xRange, minimumStep: integerX && xScale == .linear ? 1 : 0)
        let yAxis = PlotAxis(scale: .linear, range: yRange)
        let frame = try ChartFrame(
            width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, yAxis: yAxis,
            seriesNames: series.map(\.name), legendPlacement: legendPlacement, inset: Self.inset)
        let layout = Layout(
            area: frame.area, xAxis: xAxis, yAxis: yAxis, legendPlacement: frame.legendPlacement, inset: frame.inset)
        return (frame, layout)
    }

    /// The chart as a standalone SVG document.
    /// - Throws: `ReportError` naming the chart when `width × height` is not a positive size
    ///   or leaves less than 60 × 60 pixels for the plot area.
    public func svg() throws -> String {
        let (frame, layout) = try frameAndAxis()
        var svg = SVGDocument(width: width, height: height)
        let xTicks = layout.xAxis.ticks.map { tick in
            (x: layout.pixel(x: tick.value, y: layout.yAxis.lower).x, label: tick.label)
        }
        frame.drawGrid(&svg, xGrid: xTicks.map(\.x))
        frame.drawAxes(&svg, xTicks: xTicks)
        let f = SVGDocument.fixed
        for index in series.indices {
            let style = SeriesStyle(index: index)
            let points = drawablePoints(index)
            svg.beginGroup([("class", "series"), ("data-name", series[index].name)])
            for point in points {
                guard let error = point.drawnError else { continue }
                let x = layout.pixel(x: point.x, y: point.y).x
                let low = layout.pixel(x: point.x, y: point.y - error).y
                let high = layout.pixel(x: point.x, y: point.y + error).y
                svg.errorBar(x: x, low: low, high: high, cap: 8, color: style.color)
            }
            let pixels = points.map { layout.pixel(x: $0.x, y: $0.y) }
            if pixels.count > 1 {
                var attributes = [
                    ("class", "series-line"), ("points", pixels.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")),
                    ("fill", "none"), ("stroke", style.color), ("stroke-width", "2"), ("stroke-linejoin", "round"),
                ]
                if let dash = style.dash { attributes.append(("stroke-dasharray", dash)) }
                svg.element("polyline", attributes)
            }
            for pixel in pixels {
                svg.marker(style.marker, x: pixel.x, y: pixel.y, size: 8, color: style.color, class: "marker")
            }
            svg.endGroup()
        }
        frame.drawLegend(&svg, bars: false)
        return svg.document(title: title)
    }
}
