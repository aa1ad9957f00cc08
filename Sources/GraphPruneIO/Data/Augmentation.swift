import Foundation
import GraphPruneNumerics

/// Random geometric augmentation of image batches: rotation about the centre, translation, then
/// a horizontal flip, one random transform per image, as Keras's `ImageDataGenerator` does it.
///
/// The CenSET code augments FashionMNIST with `ImageDataGenerator(rotation_range=10,
/// width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)`; `Augmentation.censet`
/// is that setting. For every image (one row of the batch, `C × H × W`, channels first) `apply`
/// draws, **always in this order and always all four, even for a zero range or a disabled flip**:
///
/// 1. an angle `θ` uniform in `[−rotationDegrees, rotationDegrees)` degrees,
/// 2. a horizontal shift `dx` uniform in `[−widthShift, widthShift) · width` pixels,
/// 3. a vertical shift `dy` uniform in `[−heightShift, heightShift) · height` pixels,
/// 4. a flip, with probability ½ (used only when `horizontalFlip`),
///
/// so the generator's position after a batch depends only on the number of images, and a seed
/// reproduces every transform. Output pixel `(row r, column c)` then takes the value of the
/// source image at
///
///     c′ = flip ? width − 1 − c : c                      (the flip acts last)
///     (x, y) = (c′ − dx − cₓ, r − dy − c_y)               (undo the shift, relative to the centre)
///     source = (cos θ · x − sin θ · y + cₓ,  sin θ · x + cos θ · y + c_y)   (undo the rotation)
///
/// with the centre `(cₓ, c_y) = ((width − 1)/2, (height − 1)/2)`, read by bilinear
/// interpolation after clamping the coordinates to the image, which is exactly Keras's default
/// `fill_mode='nearest'` (edge pixels extended outwards) with its linear interpolation. Every
/// channel goes through the same map. In words: the content turns by `θ` counter-clockwise as
/// displayed (rows downwards), moves `dx` pixels right and `dy` pixels down, and is mirrored.
///
/// Differences from Keras, none of which changes the distribution of transforms: Keras turns a
/// positive angle the other way and moves content against the sign of its shifts (all ranges
/// are symmetric), and it skips the draw of a zero range (here the draws are fixed so that the
/// stream does not depend on the setting). Keras draws from NumPy's global generator, so its
/// transforms are not reproducible bit for bit anyway.
///
/// Interpolation is linear in the pixel values, so standardised pixels can be augmented as well
/// as raw ones (`nearest` filling then extends the standardised edge values).
///
/// ```swift
/// var augmentation = Augmentation.censet
/// var generator = SplitMix64(seed: seed)
/// for b in 0..<batches.batches {
///     train.gather(batches.range(of: b), into: &x, labels: &y)
///     augmentation.apply(to: &x, shape: train.shape, generator: &generator)
///     …
/// }
/// ```
///
/// **Scratch storage:** the struct keeps one private image-sized scratch array that `apply`
/// (hence `mutating`) reuses for every image and every batch, so nothing is allocated after the
/// first batch of a given shape. The scratch is not part of the value's identity: `==` compares
/// the four parameters only. Keep one `var` per training loop (a copy shares the scratch until
/// one of them applies, which then copies it once).
public struct Augmentation: Sendable, Equatable {
    /// The largest rotation, in degrees: angles are uniform in `±rotationDegrees`.
    public let rotationDegrees: Double
    /// The largest horizontal shift as a fraction of the width: shifts are uniform in
    /// `±widthShift · width` pixels (not rounded: fractional shifts interpolate).
    public let widthShift: Double
    /// The largest vertical shift as a fraction of the height: uniform in `±heightShift · height`.
    public let heightShift: Double
    /// Whether each image is mirrored left–right with probability ½.
    public let horizontalFlip: Bool

    /// One image's worth of source pixels, reused by `apply`; grown only for a larger shape.
    private var scratch: [Float] = []

    /// An augmentation; traps when a range is negative or not finite. The defaults leave images
    /// unchanged.
    public init(rotationDegrees: Double = 0, widthShift: Double = 0, heightShift: Double = 0, horizontalFlip: Bool = false) {
        precondition(rotationDegrees.isFinite && rotationDegrees >= 0, "rotation range \(rotationDegrees) must be finite and non-negative")
        precondition(widthShift.isFinite && widthShift >= 0, "width shift range \(widthShift) must be finite and non-negative")
        precondition(heightShift.isFinite && heightShift >= 0, "height shift range \(heightShift) must be finite and non-negative")
        self.rotationDegrees = rotationDegrees
        self.widthShift = widthShift
        self.heightShift = heightShift
        self.horizontalFlip = horizontalFlip
    }

    /// The CenSET (CenBench) FashionMNIST setting: ±10°, ±10 % shifts, horizontal flips.
    public static let censet = Augmentation(rotationDegrees: 10, widthShift: 0.1, heightShift: 0.1, horizontalFlip: true)

    /// No augmentation: `apply` leaves batches unchanged (it still advances the generator).
    public static let identity = Augmentation()

    /// Whether every transform this augmentation can draw is the identity.
    public var isIdentity: Bool { rotationDegrees == 0 && widthShift == 0 && heightShift == 0 && !horizontalFlip }

    /// Equal parameters (the scratch storage is ignored).
    public static func == (lhs: Augmentation, rhs: Augmentation) -> Bool {
        lhs.rotationDegrees == rhs.rotationDegrees && lhs.widthShift == rhs.widthShift
            && lhs.heightShift == rhs.heightShift && lhs.horizontalFlip == rhs.horizontalFlip
    }

    /// Transforms every row of `batch` (one `shape` image each) in place by its own random
    /// transform, drawing four numbers per image from `generator` in row order (see the type's
    /// documentation). Traps when `batch.columns != shape.size`.
    /// - Complexity: O(batch.rows · shape.size); no allocation once the scratch has the size of
    ///   one image.
    public mutating func apply(to batch: inout Matrix<Float>, shape: ImageShape, generator: inout SplitMix64) {
        precondition(batch.columns == shape.size, "batch rows hold \(batch.columns) features, shape \(shape) has \(shape.size)")
        let size = shape.size
        // Take the scratch out of `self` for the loop, so that reading the parameters does not
        // overlap the write access to it (a swap moves the buffer, it does not copy it).
        var buffer = [Float]()
        swap(&buffer, &scratch)
        defer { swap(&buffer, &scratch) }
        if buffer.count < size { buffer = [Float](repeating: 0, count: size) }
        let rows = batch.rows
        buffer.withUnsafeMutableBufferPointer { source in
            batch.elements.withUnsafeMutableBufferPointer { elements in
                for i in 0..<rows {
                    let t = drawTransform(for: shape, using: &generator)
                    guard !t.isIdentity else { continue }
                    let image = UnsafeMutableBufferPointer(rebasing: elements[(i * size)..<((i + 1) * size)])
                    let copy = UnsafeMutableBufferPointer(rebasing: source[..<size])
                    _ = copy.update(fromContentsOf: image)
                    Augmentation.transform(image: UnsafeBufferPointer(copy), into: image, shape: shape, t)
                }
            }
        }
    }
}

// MARK: - The transform of one image (internal, tested directly)

extension Augmentation {
    /// The parameters of one image's transform: `angle` in degrees (counter-clockwise as
    /// displayed), shifts in pixels (`dx` right, `dy` down), and whether to mirror.
    struct Transform: Equatable {
        var angle: Double
        var dx: Double
        var dy: Double
        var flip: Bool

        var isIdentity: Bool { angle == 0 && dx == 0 && dy == 0 && !flip }
    }

    /// Draws one image's transform: angle, shift x, shift y, flip — four draws, always.
    func drawTransform(for shape: ImageShape, using generator: inout SplitMix64) -> Transform {
        let angle = (2 * generator.nextUnitDouble() - 1) * rotationDegrees
        let dx = (2 * generator.nextUnitDouble() - 1) * widthShift * Double(shape.width)
        let dy = (2 * generator.nextUnitDouble() - 1) * heightShift * Double(shape.height)
        let coin = generator.next() >> 63 == 1
        return Transform(angle: angle, dx: dx, dy: dy, flip: horizontalFlip && coin)
    }

    /// `cos θ` and `sin θ` for `θ` in degrees, exact for multiples of 90° (so that quarter turns
    /// permute pixels exactly instead of blending in a 1e-16 share of a neighbour).
    static func cosineAndSine(degrees: Double) -> (cos: Double, sin: Double) {
        if abs(degrees) < 1e9 && degrees.truncatingRemainder(dividingBy: 90) == 0 {
            switch (Int(degrees / 90) % 4 + 4) % 4 {
            case 0: return (1, 0)
            case 1: return (0, 1)
            case 2: return (-1, 0)
            default: return (0, -1)
            }
        }
        let radians = degrees * .pi / 180
        return (cos(radians), sin(radians))
    }

    /// Writes the transformed `image` into `target` (both `shape.size` long, not overlapping):
    /// the map of the type's documentation, bilinear, coordinates clamped to the image. The
    /// source position and weights of an output pixel are computed once and used for every
    /// channel. `apply` runs this on a copy of each row.
    /// - Complexity: O(shape.size).
    static func transform(image: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>, shape: ImageShape, _ t: Transform) {
        let (channels, height, width) = (shape.channels, shape.height, shape.width)
        let plane = height * width
        precondition(image.count >= channels * plane && target.count >= channels * plane, "image buffers shorter than \(shape)")
        precondition(t.angle.isFinite && t.dx.isFinite && t.dy.isFinite, "transform parameters must be finite")
        let (cosA, sinA) = cosineAndSine(degrees: t.angle)
        let centreX = Double(width - 1) / 2
        let centreY = Double(height - 1) / 2
        let maxX = Double(width - 1)
        let maxY = Double(height - 1)
        let source = image.baseAddress!
        let output = target.baseAddress!
        for r in 0..<height {
            let y = Double(r) - t.dy - centreY
            for c in 0..<width {
                let x = Double(t.flip ? width - 1 - c : c) - t.dx - centreX
                let sx = min(max(cosA * x - sinA * y + centreX, 0), maxX)
                let sy = min(max(sinA * x + cosA * y + centreY, 0), maxY)
                let x0 = Int(sx)  // sx ≥ 0, so truncation is the floor
                let y0 = Int(sy)
                let x1 = min(x0 + 1, width - 1)
                let y1 = min(y0 + 1, height - 1)
                let fx = Float(sx - Double(x0))
                let fy = Float(sy - Double(y0))
                let (i00, i01, i10, i11) = (y0 * width + x0, y0 * width + x1, y1 * width + x0, y1 * width + x1)
                let out = r * width + c
                for channel in 0..<channels {
                    let p = source + channel * plane
                    let top = p[i00] + fx * (p[i01] - p[i00])
                    let bottom = p[i10] + fx * (p[i11] - p[i10])
                    output[channel * plane + out] = top + fy * (bottom - top)
                }
            }
        }
    }

    /// The transformed copy of one image (a convenience for tests; allocates).
    static func transform(image: [Float], shape: ImageShape, angle: Double = 0, dx: Double = 0, dy: Double = 0, flip: Bool = false) -> [Float] {
        precondition(image.count == shape.size, "image has \(image.count) pixels, shape \(shape) needs \(shape.size)")
        var result = [Float](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                transform(image: source, into: target, shape: shape, Transform(angle: angle, dx: dx, dy: dy, flip: flip))
            }
        }
        return result
    }
}
