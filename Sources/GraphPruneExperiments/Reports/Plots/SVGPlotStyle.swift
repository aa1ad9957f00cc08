/// The look of one series: colour, marker shape and line dash, chosen by the series' index so
/// that every series differs from its neighbours in all three (colour-blind readers and
/// greyscale prints still tell them apart by marker and dash).
///
/// Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), ordered so
/// the weakest on white (yellow) comes last. Colours cycle every 8, markers every 6 and dashes
/// every 5 series, so the first 120 series all have distinct combinations.
public struct SeriesStyle: Equatable, Sendable {
    /// A marker drawn at each data point.
    public enum Marker: String, CaseIterable, Sendable {
        case circle, square, triangleUp, diamond, triangleDown, cross
    }

    /// Okabe–Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue, black, yellow.
    public static let palette = [
        "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
    ]
    /// `stroke-dasharray` values; nil is a solid line.
    public static let dashes: [String?] = [nil, "6 3", "2 3", "8 3 2 3", "4 2 1 2 1 2"]

    /// Fill/stroke colour, `#RRGGBB`.
    public let color: String
    public let marker: Marker
    /// `stroke-dasharray` of the connecting line; nil = solid.
    public let dash: String?

    /// The style of the series at `index` (0-based).
    public init(index: Int) {
        precondition(index >= 0, "series index must be non-negative")
        color = Self.palette[index % Self.palette.count]
        marker = Marker.allCases[index % Marker.allCases.count]
        dash = Self.dashes[index % Self.dashes.count]
    }
}

extension SVGDocument {
    /// Draws `marker` centred on (x, y), `size` pixels across, with the given CSS class.
    /// Circles are `<circle>`, squares `<rect>`, the other shapes `<path>`; filled shapes get a
    /// thin white outline so overlapping markers stay visible.
    mutating func marker(
        _ marker: SeriesStyle.Marker, x: Double, y: Double, size: Double, color: String, class name: String
    ) {
        let r = size / 2
        let fixed = SVGDocument.fixed
        let filled: [(String, String)] = [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "0.75")]
        func path(_ d: String) { element("path", [("class", name), ("d", d)] + filled) }
        switch marker {
        case .circle:
            element("circle", [("class", name), ("cx", fixed(x)), ("cy", fixed(y)), ("r", fixed(r))] + filled)
        case .square:
            let side = size * 0.9
            element(
                "rect",
                [("class", name), ("x", fixed(x - side / 2)), ("y", fixed(y - side / 2)),
                 ("width", fixed(side)), ("height", fixed(side))] + filled)
        case .triangleUp:
            path("M \(fixed(x)) \(fixed(y - r * 1.15)) L \(fixed(x + r * 1.1)) \(fixed(y + r * 0.8)) L \(fixed(x - r * 1.1)) \(fixed(y + r * 0.8)) Z")
        case .triangleDown:
            path("M \(fixed(x)) \(fixed(y + r * 1.15)) L \(fixed(x + r * 1.1)) \(fixed(y - r * 0.8)) L \(fixed(x - r * 1.1)) \(fixed(y - r * 0.8)) Z")
        case .diamond:
            path("M \(fixed(x)) \(fixed(y - r * 1.2)) L \(fixed(x + r)) \(fixed(y)) L \(fixed(x)) \(fixed(y + r * 1.2)) L \(fixed(x - r)) \(fixed(y)) Z")
        case .cross:
            element(
                "path",
                [("class", name),
                 ("d", "M \(fixed(x - r)) \(fixed(y - r)) L \(fixed(x + r)) \(fixed(y + r)) M \(fixed(x - r)) \(fixed(y + r)) L \(fixed(x + r)) \(fixed(y - r))"),
                 ("fill", "none"), ("stroke", color), ("stroke-width", "2")])
        }
    }

    /// A vertical error bar from `low` to `high` at `x` with horizontal caps `cap` pixels wide,
    /// as one `<path class="error-bar">`.
    mutating func errorBar(x: Double, low: Double, high: Double, cap: Double, color: String) {
        let fixed = SVGDocument.fixed
        let d = "M \(fixed(x)) \(fixed(low)) V \(fixed(high)) "
            + "M \(fixed(x - cap / 2)) \(fixed(low)) H \(fixed(x + cap / 2)) "
            + "M \(fixed(x - cap / 2)) \(fixed(high)) H \(fixed(x + cap / 2))"
        element("path", [("class", "error-bar"), ("d", d), ("fill", "none"), ("stroke", color), ("stroke-width", "1.2")])
    }
}
