import Foundation
import XCTest
@testable import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNumerics

/// Paper 002's Fig. 2 from a layer: the matrices it embeds are the layer's, pixel for pixel.
final class LayerFigureTests: XCTestCase {
    private let weights = Matrix<Double>(rows: 3, columns: 2, elements: [1, -2, 0.5, 0, -1, 2])

    private func figure(kept: [Bool] = [true, false, true]) -> LayerFigure {
        LayerFigure(title: "t <&>", weights: weights, similarity: NeuronSimilarityGraph.similarities(neurons: weights), tau: 0.25,
                    scorerName: "eigenvector", scores: [0.7, 0.1, 0.5], kept: kept)
    }

    /// The embedded PNGs, decoded back to pixel rows (IHDR size, IDAT scanlines without filter bytes).
    private func images(_ svg: String) throws -> [(width: Int, height: Int, pixels: [UInt8])] {
        try svg.components(separatedBy: "data:image/png;base64,").dropFirst().map { part in
            let base64 = String(part.prefix { $0 != "\"" })
            let file = [UInt8](try XCTUnwrap(Data(base64Encoded: base64)))
            let width = Self.bigEndian(file[16..<20]), height = Self.bigEndian(file[20..<24])
            let idatLength = Self.bigEndian(file[33..<37])
            let scanlines = try XCTUnwrap(ZlibStream.inflate(Array(file[41..<41 + idatLength]), count: height * (1 + 3 * width)))
            let stride = 1 + 3 * width
            var pixels = [UInt8]()
            for r in 0..<height { pixels += scanlines[(r * stride + 1)..<((r + 1) * stride)] }
            return (width, height, pixels)
        }
    }

    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> Int {
        var value = 0
        for b in bytes { value = value << 8 | Int(b) }
        return value
    }

    func testTheDivergingMapIsWhiteAtZeroAndSaturatesAtTheScale() {
        XCTAssertTrue(LayerFigure.color(0, scale: 2) == (255, 255, 255))
        XCTAssertTrue(LayerFigure.color(2, scale: 2) == (255, 0, 0))
        XCTAssertTrue(LayerFigure.color(-5, scale: 2) == (0, 0, 255))
        XCTAssertTrue(LayerFigure.color(1, scale: 2) == (255, 128, 128))
        XCTAssertTrue(LayerFigure.color(.nan, scale: 2) == (255, 255, 255))
    }

    func testThePanelsAreTheLayersMatricesAndScores() throws {
        let svg = figure().svg()
        XCTAssertEqual(svg, figure().svg(), "deterministic")
        XCTAssertTrue(svg.contains("<title>t &lt;&amp;&gt;</title>"))
        let decoded = try images(svg)
        XCTAssertEqual(decoded.count, 3)
        func expected(_ m: Matrix<Double>, _ scale: Double) -> [UInt8] {
            m.elements.flatMap { v -> [UInt8] in let c = LayerFigure.color(v, scale: scale); return [c.0, c.1, c.2] }
        }
        XCTAssertTrue(decoded[0].width == 2 && decoded[0].height == 3)
        XCTAssertEqual(decoded[0].pixels, expected(weights, 2))
        let similarity = NeuronSimilarityGraph.similarities(neurons: weights)
        XCTAssertEqual(decoded[1].pixels, expected(similarity, 1))
        XCTAssertTrue(decoded[2].width == 2 && decoded[2].height == 2)
        XCTAssertEqual(decoded[2].pixels, expected(Matrix(rows: 2, columns: 2, elements: [1, -2, -1, 2]), 2), "the kept rows 0 and 2")
        XCTAssertEqual(svg.components(separatedBy: "class=\"bar kept\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "class=\"bar pruned\"").count - 1, 1)
        let pairs = [(0, 1), (0, 2), (1, 2)].filter { similarity.elements[$0.0 * 3 + $0.1] > 0.25 }.count
        XCTAssertTrue(svg.contains("\(pairs) of 3 pairs &gt; τ = 0.25"), svg)
    }
}
