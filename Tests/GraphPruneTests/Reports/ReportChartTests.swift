import Foundation
import XCTest
@testable import GraphPruneExperiments

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG parsed with Foundation's XMLParser: every element with its attributes and text.
private struct ParsedSVG {
    struct Element {
        let name: String
        let attributes: [String: String]
        var text = ""
    }

    var elements: [Element] = []

    func with(class name: String) -> [Element] { elements.filter { $0.attributes["class"] == name } }
    func texts(class name: String) -> [String] { with(class: name).map(\.text) }
    func number(_ element: Element, _ attribute: String) -> Double { Double(element.attributes[attribute]!)! }

    /// Parses `svg`, failing the test when it is not well-formed XML.
    init(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [Element] = []
            var open: [Int] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                open.append(elements.count)
                elements.append(Element(name: name, attributes: attributes))
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                open.removeLast()
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if let index = open.last { elements[index].text += string }
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
        elements = collector.elements
        XCTAssertEqual(elements.first?.name, "svg", file: file, line: line)
    }
}

/// Line and bar charts: well-formed, complete, nothing non-finite, deterministic, placed right.
final class ReportChartTests: XCTestCase {
    private func assertFinite(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let lower = svg.lowercased()
        XCTAssertFalse(lower.contains("nan"), "SVG contains nan", file: file, line: line)
        XCTAssertFalse(lower.contains("inf"), "SVG contains inf", file: file, line: line)
    }

    private var densityChart: LineChart {
        LineChart(
            title: "Accuracy <vs> density & \"seeds\"", xLabel: "density (%)", yLabel: "test accuracy (%)",
            series: [
                PlotSeries(name: "magnitude", points: [
                    PlotPoint(x: 0.5, y: 87.1, yError: 0.3), PlotPoint(x: 0.01, y: 80, yError: 1.2),
                    PlotPoint(x: 0.1, y: 85), PlotPoint(x: 0.05, y: .nan, yError: 1),
                ]),
                PlotSeries(name: "eigenvector", points: [
                    PlotPoint(x: 0.5, y: 86.5, yError: 0.5), PlotPoint(x: 0.02, y: 78, yError: .nan),
                    PlotPoint(x: .infinity, y: 1), PlotPoint(x: 0, y: 50, yError: 1), PlotPoint(x: 0.2, y: 84, yError: 0),
                ]),
                PlotSeries(name: "random", points: [PlotPoint(x: 0.25, y: 70, yError: 3)]),
            ],
            xScale: .logarithmic)
    }

    func testLineChartIsCompleteWellFormedXML() throws {
        let svg = try densityChart.svg()
        assertFinite(svg)
        let parsed = ParsedSVG(svg)
        // Drawable points: 3 + 3 (∞ and x = 0 on a log axis dropped) + 1; error bars where the
        // error is positive and finite: 0.3, 1.2, 0.5, 3.
        XCTAssertEqual(parsed.with(class: "marker").count, 7)
        XCTAssertEqual(parsed.with(class: "error-bar").count, 4)
        XCTAssertEqual(parsed.with(class: "series-line").count, 2, "a one-point series has no line")
        XCTAssertEqual(parsed.texts(class: "legend-label"), ["magnitude", "eigenvector", "random"])
        XCTAssertEqual(parsed.with(class: "legend-marker").count, 3)
        XCTAssertEqual(parsed.texts(class: "title"), ["Accuracy <vs> density & \"seeds\""])
        XCTAssertEqual(parsed.texts(class: "axis-label"), ["density (%)", "test accuracy (%)"])
        XCTAssertTrue(svg.contains("&lt;vs&gt; density &amp; &quot;seeds&quot;"))
        let tickLabels = parsed.texts(class: "tick-label")
        for label in ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5"] { XCTAssertTrue(tickLabels.contains(label), label) }
    }

    func testSeriesAreVisuallyDistinct() throws {
        let parsed = ParsedSVG(try densityChart.svg())
        let lines = parsed.with(class: "series-line")
        XCTAssertNotEqual(lines[0].attributes["stroke"], lines[1].attributes["stroke"])
        XCTAssertNotEqual(lines[0].attributes["stroke-dasharray"], lines[1].attributes["stroke-dasharray"])
        let legendShapes = parsed.with(class: "legend-marker").map(\.name)
        XCTAssertEqual(legendShapes, ["circle", "rect", "path"])
        let styles = (0..<120).map { SeriesStyle(index: $0) }
        XCTAssertEqual(Set(styles.map { "\($0.color) \($0.marker) \($0.dash ?? "-")" }).count, 120)
    }

    func testLineConnectsPointsInXOrder() throws {
        let chart = LineChart(
            title: "t", xLabel: "x", yLabel: "y",
            series: [PlotSeries(name: "s", points: [PlotPoint(x: 3, y: 1), PlotPoint(x: 1, y: 2), PlotPoint(x: 2, y: 3)])])
        let parsed = ParsedSVG(try chart.svg())
        let xs = parsed.with(class: "series-line")[0].attributes["points"]!.split(separator: " ")
            .map { Double($0.split(separator: ",")[0])! }
        XCTAssertEqual(xs, xs.sorted())
        XCTAssertEqual(xs.count, 3)
    }

    func testLogAxisPixelPositions() throws {
        let chart = densityChart
        let layout = try chart.layout()
        XCTAssertEqual(layout.xAxis.lower, 0.01)
        XCTAssertEqual(layout.xAxis.upper, 0.5)
        let parsed = ParsedSVG(try chart.svg())
        // Series 0 uses circles; its points by x: 0.01, 0.1, 0.5.
        let circles = parsed.with(class: "marker").filter { $0.name == "circle" }
        let cx = circles.map { parsed.number($0, "cx") }
        let left = layout.area.left + layout.inset
        let span = layout.area.width - 2 * layout.inset
        XCTAssertEqual(cx[0], left, accuracy: 0.006)
        XCTAssertEqual(cx[1], left + span / log10(50), accuracy: 0.006)  // log10(0.1/0.01) / log10(0.5/0.01)
        XCTAssertEqual(cx[2], left + span, accuracy: 0.006)
        XCTAssertEqual(layout.pixel(x: 0.1, y: 85).x, cx[1], accuracy: 0.006)
        XCTAssertEqual(parsed.number(circles[1], "cy"), layout.pixel(x: 0.1, y: 85).y, accuracy: 0.006)
        // Ticks on a log axis are equally spaced per decade: 0.01→0.1 and 0.05→0.5 match.
        XCTAssertEqual(
            layout.pixel(x: 0.1, y: 85).x - layout.pixel(x: 0.01, y: 85).x,
            layout.pixel(x: 0.5, y: 85).x - layout.pixel(x: 0.05, y: 85).x, accuracy: 1e-9)
    }

    func testDegenerateInputsStillDraw() throws {
        let single = LineChart(title: "", xLabel: "", yLabel: "", series: [PlotSeries(name: "one", points: [PlotPoint(x: 2, y: 7)])])
        let parsed = ParsedSVG(try single.svg())
        XCTAssertEqual(parsed.with(class: "marker").count, 1)
        let layout = try single.layout()
        XCTAssertLessThan(layout.yAxis.lower, 7)
        XCTAssertGreaterThan(layout.yAxis.upper, 7)
        XCTAssertLessThan(layout.xAxis.lower, 2)

        let flat = LineChart(
            title: "flat", xLabel: "x", yLabel: "y",
            series: [PlotSeries(name: "f", points: (1...4).map { PlotPoint(x: Double($0), y: 0.5) })])
        let flatLayout = try flat.layout()
        XCTAssertLessThan(flatLayout.yAxis.lower, 0.5)
        XCTAssertGreaterThan(flatLayout.yAxis.upper, 0.5)
        assertFinite(try flat.svg())

        let nothing = LineChart(
            title: "empty", xLabel: "x", yLabel: "y",
            series: [PlotSeries(name: "gone", points: [PlotPoint(x: .nan, y: 1), PlotPoint(x: 1, y: -.infinity)])],
            xScale: .logarithmic)
        let svg = try nothing.svg()
        assertFinite(svg)
        XCTAssertEqual(ParsedSVG(svg).with(class: "marker").count, 0)
        XCTAssertEqual(ParsedSVG(svg).texts(class: "legend-label"), ["gone"])
    }

    func testOutputIsDeterministic() throws {
        let first = try densityChart.svg()
        XCTAssertEqual(first, try densityChart.svg())
        let bars = barChart(categories: ["a", "b"])
        XCTAssertEqual(try bars.svg(), try bars.svg())
    }

    func testLegendStaysOutsideThePlotArea() throws {
        for (names, placement) in [(["short", "names"], LegendPlacement.right), ([String(repeating: "long name ", count: 8), "b"], .below)] {
            let chart = LineChart(
                title: "t", xLabel: "x", yLabel: "y",
                series: names.map { PlotSeries(name: $0, points: [PlotPoint(x: 1, y: 1), PlotPoint(x: 2, y: 2)]) })
            let layout = try chart.layout()
            XCTAssertEqual(layout.legendPlacement, placement)
            let parsed = ParsedSVG(try chart.svg())
            let legend = parsed.elements.first { $0.name == "rect" && $0.attributes["stroke"] == "#cccccc" }!
            if placement == .right {
                XCTAssertGreaterThan(parsed.number(legend, "x"), layout.area.right)
            } else {
                XCTAssertGreaterThan(parsed.number(legend, "y"), layout.area.bottom)
            }
        }
    }

    func testTooSmallChartThrows() {
        let chart = LineChart(title: "tiny", xLabel: "x", yLabel: "y", series: [], width: 90, height: 90)
        XCTAssertThrowsError(try chart.svg()) { error in
            XCTAssertEqual((error as? ReportError)?.subject, "chart \"tiny\"")
        }
    }

    // MARK: Bar chart

    private func barChart(categories: [String]) -> BarChart {
        BarChart(
            title: "Scorers", xLabel: "scorer", yLabel: "accuracy (%)", categories: categories,
            series: [
                BarSeries(name: "50 %", values: [BarValue(100, error: 2), BarValue(50)] + categories.dropFirst(2).map { _ in nil }),
                BarSeries(name: "10 % <sparse>", values: [BarValue(.nan), BarValue(25, error: 1)] + categories.dropFirst(2).map { _ in BarValue(10) }),
            ])
    }

    func testBarChartBarsAndErrors() throws {
        let svg = try barChart(categories: ["magnitude", "eigenvector", "random"]).svg()
        assertFinite(svg)
        let parsed = ParsedSVG(svg)
        let bars = parsed.with(class: "bar")
        XCTAssertEqual(bars.count, 4, "NaN and nil draw no bar")
        XCTAssertEqual(parsed.with(class: "error-bar").count, 2)
        XCTAssertEqual(parsed.texts(class: "legend-label"), ["50 %", "10 % <sparse>"])
        XCTAssertEqual(parsed.texts(class: "tick-label").suffix(3), ["magnitude", "eigenvector", "random"])
        // y axis 0…100 (the 102 of the error bar widens it to 0…120): heights proportional.
        let area = parsed.with(class: "plot-area")[0]
        let height = parsed.number(area, "height")
        let heights = bars.map { parsed.number($0, "height") }
        XCTAssertEqual(heights[0], height * 100 / 120, accuracy: 0.011)
        XCTAssertEqual(heights[1], height * 50 / 120, accuracy: 0.011)
        XCTAssertEqual(heights[2], height * 25 / 120, accuracy: 0.011)
        // All bars stand on the same baseline.
        let bottoms = bars.map { parsed.number($0, "y") + parsed.number($0, "height") }
        for bottom in bottoms { XCTAssertEqual(bottom, bottoms[0], accuracy: 0.011) }
        // Series 1's bar in category 1 sits right of series 0's bar in the same group.
        XCTAssertGreaterThan(parsed.number(bars[2], "x"), parsed.number(bars[1], "x"))
    }

    func testBarChartRotatesLongCategoryNamesAndChecksShape() throws {
        let names = (0..<8).map { "a rather long scorer name \($0)" }
        let parsed = ParsedSVG(try barChart(categories: names).svg())
        let categoryLabels = parsed.with(class: "tick-label").filter { names.contains($0.text) }
        XCTAssertEqual(categoryLabels.count, 8)
        XCTAssertTrue(categoryLabels.allSatisfy { $0.attributes["transform"]?.hasPrefix("rotate(-35") == true })

        let wrong = BarChart(
            title: "bad", xLabel: "", yLabel: "", categories: ["a", "b"], series: [BarSeries(name: "s", values: [nil])])
        XCTAssertThrowsError(try wrong.svg()) { error in
            XCTAssertEqual(
                (error as? ReportError)?.description, "chart \"bad\": series \"s\" has 1 values for 2 categories")
        }
    }
}
