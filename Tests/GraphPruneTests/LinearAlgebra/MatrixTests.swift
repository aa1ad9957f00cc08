import XCTest
@testable import GraphPruneNumerics

final class MatrixTests: XCTestCase {
    func testProductMatchesDefinitionForEveryTransposeCombination() {
        let a = TestData.matrix(4, 3, seed: 1), b = TestData.matrix(3, 5, seed: 2)
        let expected = (0..<4).map { i in (0..<5).map { j in (0..<3).reduce(0.0) { $0 + a[i, $1] * b[$1, j] } } }
        let cases = [
            a.multiplied(by: b),
            a.transposed().multiplied(by: b, transposingSelf: true),
            a.multiplied(by: b.transposed(), transposingOther: true),
            a.transposed().multiplied(by: b.transposed(), transposingSelf: true, transposingOther: true),
        ]
        for c in cases { XCTAssertClose(c.elements, expected.flatMap { $0 }, tolerance: 1e-12) }
    }

    func testGramIsSymmetricAAT() {
        let a = TestData.matrix(6, 4, seed: 3)
        let g = a.gram()
        let expected = a.multiplied(by: a, transposingOther: true)
        XCTAssertClose(g.elements, expected.elements, tolerance: 1e-12)
        let upper = a.gram(symmetrized: false)
        XCTAssertEqual(upper[3, 1], 0)
        XCTAssertEqual(upper[1, 3], expected[1, 3], accuracy: 1e-12)
    }

    /// The Cholesky inverse reads only the upper triangle (the lower one holds garbage here),
    /// returns both triangles, and its product with the matrix is the identity; a matrix that
    /// is not positive definite is refused, not inverted.
    func testPositiveDefiniteInverseFromUpperTriangle() throws {
        let n = 7
        let a = TestData.matrix(n, n, seed: 4)
        var spd = a.multiplied(by: a, transposingOther: true)
        for i in 0..<n { spd[i, i] += 0.5 }
        var upperOnly = spd
        for i in 0..<n { for j in 0..<i { upperOnly[i, j] = 1e3 * Double(i - j) } }
        let inverse = try upperOnly.positiveDefiniteInverse()
        let identity = (0..<n).flatMap { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        XCTAssertClose(spd.multiplied(by: inverse).elements, identity, tolerance: 1e-9)
        XCTAssertClose(inverse.elements, inverse.transposed().elements, tolerance: 0)
        var indefinite = spd
        indefinite[n - 1, n - 1] = -1
        XCTAssertThrowsError(try indefinite.positiveDefiniteInverse())
    }

    func testFloatGemvAndNorms() {
        let a = Matrix<Float>([[1, 2], [3, 4], [0, -2]])
        XCTAssertEqual(a.applied(to: [1, 1]), [3, 7, -2])
        XCTAssertEqual(a.applied(to: [1, 0, 1], transposing: true), [1, 0])
        XCTAssertEqual(a.rowNorms()[1], 5, accuracy: 1e-6)
        var b = a
        b.normalizeRows(epsilon: 0)
        XCTAssertEqual(b[1, 0], 0.6, accuracy: 1e-6)
    }

    func testTransposeAndRowSelection() {
        let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(a.transposed(), Matrix([[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(a.selectingRows([1, 0, 1]).elements, [4, 5, 6, 1, 2, 3, 4, 5, 6])
        var c = a
        c[0, 1] = .nan
        XCTAssertEqual(c.firstNonFinite()?.column, 1)
    }

    func testCSRProductMatchesDense() {
        let triplets = [(0, 1, 2.0), (1, 0, 2.0), (2, 2, -1.0), (0, 1, 1.0), (1, 2, 0.5)]
            .map { (row: $0.0, column: $0.1, value: $0.2) }
        let csr = CSRMatrix(rows: 3, columns: 3, triplets: triplets)
        XCTAssertEqual(csr.dense()[0, 1], 3)  // duplicates summed
        let x = [1.0, -2.0, 0.5]
        XCTAssertClose(csr.applied(to: x), csr.dense().applied(to: x), tolerance: 1e-15)
    }
}
