import Foundation

/// The rectangle inside the axes where data is drawn, in SVG pixels (origin top left, y down).
public struct PlotArea: Equatable, Sendable {
    public let left: Double
    public let top: Double
    public let right: Double
    public let bottom: Double
    public var width: Double { right - left }
    public var height: Double { bottom - top }
}

/// Where the legend goes. It is always outside the plot area, so it never covers data.
public enum LegendPlacement: String, Sendable, CaseIterable {
    /// Right of the plot when the legend is at most 30 % of the chart's width and fits its
    /// height, below otherwise.
    case automatic
    /// A column right of the plot area.
    case right
    /// Rows below the x-axis label.
    case below
}

/// Title, axes, grid, tick labels, axis labels and legend of a chart: the parts shared by
/// line and bar charts. The layout is computed from estimated text widths
/// (`TextMetrics`), then everything is drawn in fixed order so the output is deterministic.
struct ChartFrame {
    /// One legend entry and where its sample (left edge, vertical centre) goes.
    struct LegendEntry {
        let name: String
        let style: SeriesStyle
        let x: Double
        let y: Double
    }

    let width: Double
    let height: Double
    let title: String
    let xLabel: String
    let yLabel: String
    let yAxis: PlotAxis
    let area: PlotArea
    /// `.right` or `.below`, resolved from the requested placement.
    let legendPlacement: LegendPlacement
    let legend: [LegendEntry]
    /// The legend's box: x, y, width, height (zero size without entries).
    let legendBox: (x: Double, y: Double, width: Double, height: Double)
    /// Extra room under the x tick labels (rotated category names).
    let tickLabelDepth: Double
    /// Pixels between the frame and the ends of each axis, so that points at the ends of the
    /// range are not drawn on the frame (0 for bar charts, whose bars stand on the frame).
    let inset: Double

    static let rowHeight = 18.0
    static let sampleWidth = 30.0

    /// Lays out a `width × height` chart. `tickLabelDepth` is the room under the x axis for
    /// tick labels, `inset` the gap between frame and axis ends, `minimumLeft` a lower bound
    /// on the left margin (for rotated category names reaching left).
    /// - Throws: `ReportError` naming the chart when the size leaves less than 60 × 60 pixels
    ///   for the plot area, or is not finite.
    init(
        width: Double, height: Double, title: String, xLabel: String, yLabel: String, yAxis: PlotAxis,
        seriesNames: [String], legendPlacement: LegendPlacement, tickLabelDepth: Double = 14, inset: Double = 0,
        minimumLeft: Double = 0
    ) throws {
        let subject = title.isEmpty ? "chart" : "chart \"\(title)\""
        guard width.isFinite && height.isFinite && width > 0 && height > 0 else {
            throw ReportError(subject: subject, problem: "size \(width) × \(height) is not a positive finite size")
        }
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.yAxis = yAxis
        self.tickLabelDepth = tickLabelDepth
        self.inset = inset

        let top = title.isEmpty ? 14.0 : 42.0
        let tickWidth = yAxis.ticks.map { TextMetrics.width($0.label) }.max() ?? 0
        let left = max(minimumLeft, 12 + (yLabel.isEmpty ? 0 : 22) + tickWidth + 10)
        var bottom = 8 + tickLabelDepth + (xLabel.isEmpty ? 0 : 26) + 10
        var right = 20.0

        let entryWidths = seriesNames.map { Self.sampleWidth + 6 + TextMetrics.width($0) }
        let boxWidth = (entryWidths.max() ?? 0) + 16
        let columnHeight = Double(seriesNames.count) * Self.rowHeight + 10
        var placement = legendPlacement
        if placement == .automatic {
            let fitsRight = boxWidth <= 0.3 * width && columnHeight <= height - top - bottom
            placement = fitsRight ? .right : .below
        }
        self.legendPlacement = placement
        var entries = [LegendEntry]()
        var box = (x: 0.0, y: 0.0, width: 0.0, height: 0.0)
        if !seriesNames.isEmpty && placement == .right {
            right = 16 + boxWidth + 10
            box = (width - right + 16, top, boxWidth, columnHeight)
            for (index, name) in seriesNames.enumerated() {
                entries.append(
                    LegendEntry(
                        name: name, style: SeriesStyle(index: index), x: box.x + 8,
                        y: box.y + 5 + Self.rowHeight * (Double(index) + 0.5)))
            }
        } else if !seriesNames.isEmpty {
            // Flow entries left to right, wrapping at the chart's width.
            let usable = width - 24 - 16
            var rows = [[Int]]()
            var used = 0.0
            for (index, entryWidth) in entryWidths.enumerated() {
                if rows.isEmpty || used + entryWidth > usable {
                    rows.append([]); used = 0
                }
                rows[rows.count - 1].append(index)
                used += entryWidth + 18
            }
            let boxHeight = Double(rows.count) * Self.rowHeight + 10
            bottom += boxHeight + 6
            let rowWidth = rows.map { row in row.map { entryWidths[$0] + 18 }.reduce(0, +) - 18 }.max() ?? 0
            box = (max(12, (width - rowWidth - 16) / 2), height - boxHeight - 8, rowWidth + 16, boxHeight)
            for (rowIndex, row) in rows.enumerated() {
                var x = box.x + 8
                for index in row {
                    entries.append(
                        LegendEntry(
                            name: seriesNames[index], style: SeriesStyle(index: index), x: x,
                            y: box.y + 5 + Self.rowHeight * (Double(rowIndex) + 0.5)))
                    x += entryWidths[index] + 18
                }
            }
        }
        legend = entries
        legendBox = box
        area = PlotArea(left: left, top: top, right: width - right, bottom: height - bottom)
        guard area.width >= 60 && area.height >= 60 else {
            throw ReportError(
                subject: subject,
                problem: "size \(Int(width)) × \(Int(height)) leaves \(Int(area.width)) × \(Int(area.height)) pixels "
                    + "for the plot area (at least 60 × 60 needed); make the chart larger")
        }
    }

    /// The vertical pixel of a y value.
    func y(_ value: Double) -> Double { area.bottom - inset - yAxis.fraction(of: value) * (area.height - 2 * inset) }

    /// Grid lines (horizontal at y ticks, vertical at `xGrid` pixels), drawn first.
    func drawGrid(_ svg: inout SVGDocument, xGrid: [Double]) {
        svg.beginGroup([("class", "grid"), ("stroke", "#e5e5e5"), ("stroke-width", "1")])
        for tick in yAxis.ticks { svg.line(area.left, y(tick.value), area.right, y(tick.value), []) }
        for x in xGrid { svg.line(x, area.top, x, area.bottom, []) }
        svg.endGroup()
    }

    /// The axes box, tick marks, tick labels, title and axis labels. `xTicks` are pixel
    /// positions with labels; `rotateXLabels` turns them by −35° (long category names).
    func drawAxes(_ svg: inout SVGDocument, xTicks: [(x: Double, label: String)], rotateXLabels: Bool = false) {
        let f = SVGDocument.fixed
        svg.element(
            "rect",
            [("class", "plot-area"), ("x", f(area.left)), ("y", f(area.top)), ("width", f(area.width)),
             ("height", f(area.height)), ("fill", "none"), ("stroke", "#333333"), ("stroke-width", "1")])
        svg.beginGroup([("class", "y-ticks"), ("stroke", "#333333")])
        for tick in yAxis.ticks { svg.line(area.left - 5, y(tick.value), area.left, y(tick.value), []) }
        svg.endGroup()
        svg.beginGroup([("class", "x-ticks"), ("stroke", "#333333")])
        for tick in xTicks { svg.line(tick.x, area.bottom, tick.x, area.bottom + 5, []) }
        svg.endGroup()
        for tick in yAxis.ticks {
            svg.text(tick.label, x: area.left - 8, y: y(tick.value) + 4, anchor: "end", [("class", "tick-label")])
        }
        for tick in xTicks {
            if rotateXLabels {
                let x = tick.x, y = area.bottom + 14
                svg.text(
                    tick.label, x: x, y: y, anchor: "end",
                    [("class", "tick-label"), ("transform", "rotate(-35 \(f(x)) \(f(y)))")])
            } else {
                svg.text(tick.label, x: tick.x, y: area.bottom + 20, anchor: "middle", [("class", "tick-label")])
            }
        }
        if !title.isEmpty {
            svg.text(
                title, x: width / 2, y: 26, anchor: "middle",
                [("class", "title"), ("font-size", "15"), ("font-weight", "bold")])
        }
        if !xLabel.isEmpty {
            let y = area.bottom + 8 + tickLabelDepth + 22
            svg.text(xLabel, x: (area.left + area.right) / 2, y: y, anchor: "middle", [("class", "axis-label")])
        }
        if !yLabel.isEmpty {
            let x = 24.0, y = (area.top + area.bottom) / 2
            svg.text(
                yLabel, x: x, y: y, anchor: "middle",
                [("class", "axis-label"), ("transform", "rotate(-90 \(f(x)) \(f(y)))")])
        }
    }

    /// The legend box with one entry per series: a line sample with its dash and marker
    /// (`bars: false`) or a colour swatch (`bars: true`), then the series name.
    func drawLegend(_ svg: inout SVGDocument, bars: Bool) {
        guard !legend.isEmpty else { return }
        let f = SVGDocument.fixed
        svg.beginGroup([("class", "legend")])
        svg.element(
            "rect",
            [("x", f(legendBox.x)), ("y", f(legendBox.y)), ("width", f(legendBox.width)),
             ("height", f(legendBox.height)), ("fill", "#ffffff"), ("stroke", "#cccccc")])
        for entry in legend {
            let style = entry.style
            let middle = entry.x + Self.sampleWidth / 2
            if bars {
                svg.element(
                    "rect",
                    [("class", "legend-marker"), ("x", f(middle - 6)), ("y", f(entry.y - 6)), ("width", "12.00"),
                     ("height", "12.00"), ("fill", style.color)])
            } else {
                var stroke = [("stroke", style.color), ("stroke-width", "2")]
                if let dash = style.dash { stroke.append(("stroke-dasharray", dash)) }
                svg.line(entry.x, entry.y, entry.x + Self.sampleWidth, entry.y, stroke)
                svg.marker(style.marker, x: middle, y: entry.y, size: 8, color: style.color, class: "legend-marker")
            }
            svg.text(
                entry.name, x: entry.x + Self.sampleWidth + 6, y: entry.y + 4, anchor: "start",
                [("class", "legend-label")])
        }
        svg.endGroup()
    }
}
