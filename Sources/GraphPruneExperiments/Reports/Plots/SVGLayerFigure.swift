import Foundation
import GraphPruneIO
import GraphPruneNumerics

/// Paper 002's Fig. 2 drawn from a real layer, one SVG of four panels:
/// 1. the layer's weights, one row per unit (**units × inputs**, a convolution's filters
///    flattened to `C·kh·kw`);
/// 2. the cosine-similarity matrix `S` of the units (units × units), with the threshold τ
///    marked on its colour bar: the graph has an edge `i–j` iff `S_ij > τ`;
/// 3. the scorer's score of every unit, kept units in one colour and pruned ones in another;
/// 4. the weights of the kept units (the pruned layer's rows, in their original order).
///
/// Matrices are drawn as embedded PNG images, one pixel per entry (stretched to the panel,
/// drawn without smoothing), in a diverging map: blue for negative, white for 0, red for
/// positive, saturated at the largest magnitude (weights) or at ±1 (similarity).
/// Deterministic: the same inputs give byte-identical SVG.
public struct LayerFigure: Sendable {
    public var title: String
    /// units × inputs.
    public var weights: Matrix<Double>
    /// units × units, symmetric, entries in [−1, 1].
    public var similarity: Matrix<Double>
    public var tau: Double
    public var scorerName: String
    public var scores: [Double]
    public var kept: [Bool]

    public init(title: String, weights: Matrix<Double>, similarity: Matrix<Double>, tau: Double, scorerName: String, scores: [Double], kept: [Bool]) {
        precondition(similarity.rows == weights.rows && similarity.columns == weights.rows && scores.count == weights.rows && kept.count == weights.rows,
                     "LayerFigure: \(weights.rows) units, similarity \(similarity.rows) × \(similarity.columns), \(scores.count) scores, \(kept.count) flags")
        (self.title, self.weights, self.similarity, self.tau, self.scorerName, self.scores, self.kept) = (title, weights, similarity, tau, scorerName, scores, kept)
    }

    /// The diverging colour of `value / scale`, clamped to [−1, 1]: white at 0, blue (−1), red (+1).
    static func color(_ value: Double, scale: Double) -> (UInt8, UInt8, UInt8) {
        let t = scale > 0 && value.isFinite ? min(1, max(-1, value / scale)) : 0
        let fade = UInt8((255 * (1 - abs(t))).rounded())
        return t >= 0 ? (255, fade, fade) : (fade, fade, 255)
    }

    /// `m` as an image, one pixel per entry, in the diverging map at `scale`.
    static func image(_ m: Matrix<Double>, scale: Double) -> PNGImage {
        var pixels = [UInt8]()
        pixels.reserveCapacity(3 * m.elements.count)
        for v in m.elements {
            let (r, g, b) = color(v, scale: scale)
            pixels += [r, g, b]
        }
        return PNGImage(width: m.columns, height: m.rows, pixels: pixels)
    }

    public func svg() -> String {
        let (width, height) = (1000.0, 860.0)
        var doc = SVGDocument(width: width, height: height)
        doc.text(title, x: width / 2, y: 24, anchor: "middle", [("class", "title"), ("font-size", "15"), ("font-weight", "bold")])
        let n = weights.rows, keptCount = kept.filter { $0 }.count
        let largest = weights.elements.map(abs).max() ?? 0
        let keptRows = Matrix(rows: max(keptCount, 0), columns: weights.columns,
                              elements: kept.indices.filter { kept[$0] }.flatMap { weights.row($0) })
        panelImage(&doc, x: 60, y: 60, "weights: \(n) units × \(weights.columns) inputs", Self.image(weights, scale: largest), scale: largest, mark: nil,
                   xLabel: "input", yLabel: "unit")
        let edges = (0..<n).reduce(0) { sum, i in sum + (i + 1 ..< n).filter { similarity.elements[i * n + $0] > tau }.count }
        panelImage(&doc, x: 560, y: 60, "cosine similarity S (\(n) × \(n)): \(edges) of \(n * (n - 1) / 2) pairs > τ = \(tau)", Self.image(similarity, scale: 1), scale: 1, mark: tau,
                   xLabel: "unit", yLabel: "unit")
        scoreBars(&doc, x: 60, y: 480)
        if keptCount > 0 {
            panelImage(&doc, x: 560, y: 480, "kept units' weights: \(keptCount) × \(weights.columns)", Self.image(keptRows, scale: largest), scale: largest, mark: nil,
                       xLabel: "input", yLabel: "kept unit")
        }
        return doc.document(title: title)
    }

    /// A 340 × 300 heatmap with its title, axis labels and a colour bar from −scale to +scale
    /// (a tick at `mark`).
    private func panelImage(_ doc: inout SVGDocument, x: Double, y: Double, _ caption: String, _ image: PNGImage, scale: Double, mark: Double?,
                            xLabel: String, yLabel: String) {
        let (w, h) = (340.0, 300.0)
        doc.text(caption, x: x + w / 2, y: y, anchor: "middle", [("class", "panel-title")])
        let data = "data:image/png;base64," + Data(image.encoded()).base64EncodedString()
        doc.element("image", [("class", "heatmap"), ("x", SVGDocument.fixed(x)), ("y", SVGDocument.fixed(y + 12)), ("width", SVGDocument.fixed(w)),
                              ("height", SVGDocument.fixed(h)), ("preserveAspectRatio", "none"), ("style", "image-rendering:pixelated"), ("href", data)])
        doc.element("rect", [("x", SVGDocument.fixed(x)), ("y", SVGDocument.fixed(y + 12)), ("width", SVGDocument.fixed(w)), ("height", SVGDocument.fixed(h)),
                             ("fill", "none"), ("stroke", "#444444")])
        doc.text(xLabel, x: x + w / 2, y: y + h + 30, anchor: "middle", [("class", "axis-label")])
        doc.text(yLabel, x: x - 12, y: y + 12 + h / 2, anchor: "middle", [("class", "axis-label"), ("transform", "rotate(-90 \(SVGDocument.fixed(x - 12)) \(SVGDocument.fixed(y + 12 + h / 2)))")])
        // Colour bar: 20 steps from +scale (top) to −scale.
        let (bx, steps) = (x + w + 14, 20)
        for k in 0..<steps {
            let v = scale * (1 - 2 * (Double(k) + 0.5) / Double(steps))
            let (r, g, b) = Self.color(v, scale: scale)
            doc.element("rect", [("class", "colour-bar"), ("x", SVGDocument.fixed(bx)), ("y", SVGDocument.fixed(y + 12 + h * Double(k) / Double(steps))),
                                 ("width", "12.00"), ("height", SVGDocument.fixed(h / Double(steps))), ("fill", String(format: "#%02x%02x%02x", r, g, b))])
        }
        doc.text(MarkdownTable.number(scale, decimals: 3), x: bx + 16, y: y + 22, [("class", "tick-label")])
        doc.text(MarkdownTable.number(-scale, decimals: 3), x: bx + 16, y: y + 12 + h, [("class", "tick-label")])
        if let mark, scale > 0 {
            let my = y + 12 + h * (1 - (mark / scale + 1) / 2)
            doc.line(bx - 3, my, bx + 15, my, [("stroke", "#000000"), ("stroke-width", "2")])
            doc.text("τ", x: bx + 16, y: my + 4, [("class", "tick-label")])
        }
    }

    /// The scores as bars by unit index, kept units blue and pruned ones orange.
    private func scoreBars(_ doc: inout SVGDocument, x: Double, y: Double) {
        let (w, h) = (340.0, 300.0), n = scores.count, keptCount = kept.filter { $0 }.count
        doc.text("\(scorerName) score per unit: \(keptCount) kept (blue), \(n - keptCount) pruned (orange)", x: x + w / 2, y: y, anchor: "middle", [("class", "panel-title")])
        let finite = scores.filter(\.isFinite)
        let top = max(finite.max() ?? 0, 0), bottom = min(finite.min() ?? 0, 0)
        let range = top - bottom > 0 ? top - bottom : 1
        func py(_ v: Double) -> Double { y + 12 + h * (top - v) / range }
        doc.element("rect", [("x", SVGDocument.fixed(x)), ("y", SVGDocument.fixed(y + 12)), ("width", SVGDocument.fixed(w)), ("height", SVGDocument.fixed(h)),
                             ("fill", "none"), ("stroke", "#444444")])
        let barWidth = w / Double(max(n, 1))
        for (i, s) in scores.enumerated() where s.isFinite {
            let (a, b) = (py(max(s, 0)), py(min(s, 0)))
            doc.element("rect", [("class", kept[i] ? "bar kept" : "bar pruned"), ("x", SVGDocument.fixed(x + barWidth * Double(i))), ("y", SVGDocument.fixed(a)),
                                 ("width", SVGDocument.fixed(barWidth)), ("height", SVGDocument.fixed(max(b - a, 0))),
                                 ("fill", kept[i] ? SeriesStyle.palette[0] : SeriesStyle.palette[3])])
        }
        doc.text(MarkdownTable.number(top, decimals: 4), x: x - 4, y: y + 16, anchor: "end", [("class", "tick-label")])
        doc.text(MarkdownTable.number(bottom, decimals: 4), x: x - 4, y: y + 12 + h, anchor: "end", [("class", "tick-label")])
        doc.text("unit", x: x + w / 2, y: y + h + 30, anchor: "middle", [("class", "axis-label")])
    }
}
