import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO


final class DataAugmentationTests: XCTestCase {
    /// `count` images of `shape` with pixels all distinct: pixel `p` of image `i` is `i · 1000 + p`.
    private func distinctBatch(count: Int, shape: ImageShape) -> Matrix<Float> {
        Matrix(rows: count, columns: shape.size, elements: (0..<(count * shape.size)).map { Float(($0 / shape.size) * 1000 + $0 % shape.size) })
    }

    /// Pixel `(channel, row, column)` of a flat `C × H × W` image.
    private func pixel(_ image: [Float], _ shape: ImageShape, _ channel: Int, _ row: Int, _ column: Int) -> Float {
        image[(channel * shape.height + row) * shape.width + column]
    }

    /// The image with every row of every channel reversed.
    private func mirrored(_ image: [Float], _ shape: ImageShape) -> [Float] {
        var result = image
        for channel in 0..<shape.channels {
            for r in 0..<shape.height {
                for c in 0..<shape.width {
                    result[(channel * shape.height + r) * shape.width + c] = pixel(image, shape, channel, r, shape.width - 1 - c)
                }
            }
        }
        return result
    }

    func testCensetSettingAndEqualityIgnoresScratch() {
        var augmentation = Augmentation.censet
        XCTAssertEqual(augmentation.rotationDegrees, 10)
        XCTAssertEqual(augmentation.widthShift, 0.1)
        XCTAssertEqual(augmentation.heightShift, 0.1)
        XCTAssertTrue(augmentation.horizontalFlip)
        XCTAssertFalse(augmentation.isIdentity)
        XCTAssertTrue(Augmentation.identity.isIdentity)
        XCTAssertEqual(Augmentation(), .identity)
        var batch = distinctBatch(count: 2, shape: ImageShape(channels: 1, height: 4, width: 4))
        var generator = SplitMix64(seed: 1)
        augmentation.apply(to: &batch, shape: ImageShape(channels: 1, height: 4, width: 4), generator: &generator)
        XCTAssertEqual(augmentation, .censet)
        XCTAssertNotEqual(augmentation, Augmentation(rotationDegrees: 10, widthShift: 0.1, heightShift: 0.1))
    }

    func testIdentityParametersLeaveTheBatchUnchanged() {
        let shape = ImageShape(channels: 3, height: 5, width: 4)
        let original = distinctBatch(count: 6, shape: shape)
        var batch = original
        var augmentation = Augmentation(rotationDegrees: 0, widthShift: 0, heightShift: 0, horizontalFlip: false)
        var generator = SplitMix64(seed: 9)
        augmentation.apply(to: &batch, shape: shape, generator: &generator)
        XCTAssertEqual(batch, original)
        // The transform itself is exact at zero parameters, not merely skipped.
        let image = Array(original.row(2))
        XCTAssertEqual(Augmentation.transform(image: image, shape: shape), image)
        XCTAssertEqual(Augmentation.transform(image: image, shape: shape, angle: 360), image)
    }

    func testFlipOnlyKeepsOrMirrorsEveryImageAndBothHappen() {
        let shape = ImageShape(channels: 2, height: 3, width: 5)
        let original = distinctBatch(count: 200, shape: shape)
        var batch = original
        var augmentation = Augmentation(horizontalFlip: true)
        var generator = SplitMix64(seed: 2024)
        augmentation.apply(to: &batch, shape: shape, generator: &generator)
        var (kept, flipped) = (0, 0)
        for i in 0..<original.rows {
            let before = Array(original.row(i))
            let after = Array(batch.row(i))
            if after == before {
                kept += 1
            } else if after == mirrored(before, shape) {
                flipped += 1
            } else {
                XCTFail("image \(i) is neither unchanged nor mirrored")
            }
        }
        XCTAssertEqual(kept + flipped, 200)
        XCTAssertGreaterThan(kept, 60)
        XCTAssertGreaterThan(flipped, 60)
        // Directly: a flip reverses each row of each channel.
        let image = Array(original.row(0))
        XCTAssertEqual(Augmentation.transform(image: image, shape: shape, flip: true), mirrored(image, shape))
    }

    func testIntegerShiftMovesPixelsWithEdgeReplication() {
        let shape = ImageShape(channels: 1, height: 4, width: 5)
        let image = (0..<shape.size).map { Float($0) }
        // Content moves 2 right and 1 up: output (r, c) reads source (r + 1, c − 2), clamped.
        let shifted = Augmentation.transform(image: image, shape: shape, dx: 2, dy: -1)
        for r in 0..<4 {
            for c in 0..<5 {
                let expected = pixel(image, shape, 0, min(r + 1, 3), max(c - 2, 0))
                XCTAssertEqual(pixel(shifted, shape, 0, r, c), expected, "pixel (\(r), \(c))")
            }
        }
        // Row 0 of the result is source row 1 with its first pixel repeated on the left.
        XCTAssertEqual(Array(shifted[0..<5]), [5, 5, 5, 6, 7])
        // The last row repeats the source's last row (bottom edge).
        XCTAssertEqual(Array(shifted[15..<20]), [15, 15, 15, 16, 17])
    }

    func testHalfPixelShiftInterpolatesLinearly() {
        let shape = ImageShape(channels: 1, height: 1, width: 3)
        XCTAssertEqual(Augmentation.transform(image: [0, 2, 4], shape: shape, dx: 0.5), [0, 1, 3])
        XCTAssertEqual(Augmentation.transform(image: [0, 2, 4], shape: shape, dx: -0.25), [0.5, 2.5, 4])
    }

    func testQuarterTurnsTransposeAndFlip() {
        for n in [4, 5] {
            let shape = ImageShape(channels: 1, height: n, width: n)
            let image = (0..<shape.size).map { Float($0) }
            let counterClockwise = Augmentation.transform(image: image, shape: shape, angle: 90)
            let clockwise = Augmentation.transform(image: image, shape: shape, angle: -90)
            let halfTurn = Augmentation.transform(image: image, shape: shape, angle: 180)
            for r in 0..<n {
                for c in 0..<n {
                    // Transposed (t[r][c] = image[c][r]) with its rows reversed, resp. its columns.
                    XCTAssertEqual(pixel(counterClockwise, shape, 0, r, c), pixel(image, shape, 0, c, n - 1 - r))
                    XCTAssertEqual(pixel(clockwise, shape, 0, r, c), pixel(image, shape, 0, n - 1 - c, r))
                    XCTAssertEqual(pixel(halfTurn, shape, 0, r, c), pixel(image, shape, 0, n - 1 - r, n - 1 - c))
                }
            }
            // Near a quarter turn the general formula agrees to float precision.
            let almost = Augmentation.transform(image: image, shape: shape, angle: 90 + 1e-9)
            for (a, b) in zip(almost, counterClockwise) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
    }

    func testRotationKeepsTheCentreAndAConstantImage() {
        let shape = ImageShape(channels: 1, height: 5, width: 5)
        let image = (0..<shape.size).map { Float($0) }
        let turned = Augmentation.transform(image: image, shape: shape, angle: 7.5)
        XCTAssertEqual(pixel(turned, shape, 0, 2, 2), 12, accuracy: 1e-5)
        let constant = [Float](repeating: 3.25, count: shape.size)
        for value in Augmentation.transform(image: constant, shape: shape, angle: 33, dx: 1.3, dy: -0.7, flip: true) {
            XCTAssertEqual(value, 3.25, accuracy: 1e-6)
        }
    }

    func testDrawsAngleShiftXShiftYFlipInThatOrder() {
        let shape = ImageShape(channels: 1, height: 6, width: 8)
        let original = distinctBatch(count: 5, shape: shape)
        var batch = original
        var augmentation = Augmentation(rotationDegrees: 10, widthShift: 0.1, heightShift: 0.2, horizontalFlip: true)
        var generator = SplitMix64(seed: 77)
        augmentation.apply(to: &batch, shape: shape, generator: &generator)
        var replay = SplitMix64(seed: 77)
        for i in 0..<original.rows {
            let angle = (2 * replay.nextUnitDouble() - 1) * 10
            let dx = (2 * replay.nextUnitDouble() - 1) * 0.1 * 8
            let dy = (2 * replay.nextUnitDouble() - 1) * 0.2 * 6
            let flip = replay.next() >> 63 == 1
            XCTAssertLessThanOrEqual(abs(angle), 10)
            let expected = Augmentation.transform(image: Array(original.row(i)), shape: shape, angle: angle, dx: dx, dy: dy, flip: flip)
            XCTAssertEqual(Array(batch.row(i)), expected, "image \(i)")
        }
        // Exactly four draws per image, whatever the setting.
        XCTAssertEqual(generator.next(), replay.next())
        var none = Augmentation.identity
        var g1 = SplitMix64(seed: 5)
        var g2 = SplitMix64(seed: 5)
        none.apply(to: &batch, shape: shape, generator: &g1)
        for _ in 0..<(4 * batch.rows) { _ = g2.next() }
        XCTAssertEqual(g1.next(), g2.next())
    }

    func testSameSeedGivesIdenticalOutput() {
        let shape = ImageShape(channels: 1, height: 28, width: 28)
        let original = distinctBatch(count: 10, shape: shape)
        func augmented(seed: UInt64) -> Matrix<Float> {
            var batch = original
            var augmentation = Augmentation.censet
            var generator = SplitMix64(seed: seed)
            augmentation.apply(to: &batch, shape: shape, generator: &generator)
            return batch
        }
        let first = augmented(seed: 11)
        XCTAssertEqual(augmented(seed: 11), first)
        XCTAssertNotEqual(first, original)
        XCTAssertNotEqual(augmented(seed: 12), first)
        // A reused augmentation (warm scratch) gives the same as a fresh one.
        var reused = Augmentation.censet
        var generator = SplitMix64(seed: 11)
        var warmUp = original
        var warmUpGenerator = SplitMix64(seed: 0)
        reused.apply(to: &warmUp, shape: shape, generator: &warmUpGenerator)
        var batch = original
        reused.apply(to: &batch, shape: shape, generator: &generator)
        XCTAssertEqual(batch, first)
    }

    func testEveryChannelTransformsTheSameWay() {
        let shape = ImageShape(channels: 3, height: 7, width: 6)
        let plane = ImageShape(channels: 1, height: 7, width: 6)
        let original = Matrix(rows: 8, columns: shape.size, elements: (0..<(8 * shape.size)).map { Float(($0 * 37) % 101) / 7 })
        var batch = original
        var augmentation = Augmentation(rotationDegrees: 30, widthShift: 0.2, heightShift: 0.2, horizontalFlip: true)
        var generator = SplitMix64(seed: 3)
        augmentation.apply(to: &batch, shape: shape, generator: &generator)
        // Each channel equals its own plane pushed through the same drawn transform alone.
        var replay = SplitMix64(seed: 3)
        for i in 0..<original.rows {
            let t = augmentation.drawTransform(for: shape, using: &replay)
            let row = Array(original.row(i))
            let result = Array(batch.row(i))
            for channel in 0..<3 {
                let range = (channel * plane.size)..<((channel + 1) * plane.size)
                let alone = Augmentation.transform(image: Array(row[range]), shape: plane, angle: t.angle, dx: t.dx, dy: t.dy, flip: t.flip)
                XCTAssertEqual(Array(result[range]), alone, "image \(i), channel \(channel)")
            }
        }
        // Identical channels stay identical.
        let same = (0..<plane.size).map { Float($0) * 0.5 }
        let stacked = Augmentation.transform(image: same + same + same, shape: shape, angle: 12, dx: 1.5, dy: -2, flip: true)
        XCTAssertEqual(Array(stacked[0..<plane.size]), Array(stacked[plane.size..<(2 * plane.size)]))
        XCTAssertEqual(Array(stacked[0..<plane.size]), Array(stacked[(2 * plane.size)...]))
    }
}
