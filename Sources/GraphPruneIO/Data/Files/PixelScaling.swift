import GraphPruneNumerics

/// Bytes 0…255 to `Float` pixels in [0, 1] (`x / 255`), the scaling every image set here uses.
enum PixelScaling {
    /// `x / 255` for every byte value, so a conversion is one table look-up per pixel.
    static let unitTable: [Float] = (0...255).map { Float($0) / 255 }

    /// Writes `bytes[i] / 255` to `destination[i]`; the buffers must have equal counts.
    /// - Complexity: O(n), one table look-up per byte.
    static func scale(_ bytes: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(bytes.count == destination.count, "pixel buffers differ in length")
        guard let source = bytes.baseAddress, let target = destination.baseAddress else { return }
        unitTable.withUnsafeBufferPointer { table in
            let lookup = table.baseAddress!
            for i in 0..<bytes.count { target[i] = lookup[Int(source[i])] }
        }
    }

    /// The bytes of `pixels` as a `rows × columns` matrix of values in [0, 1].
    static func matrix(_ pixels: [UInt8], rows: Int, columns: Int) -> Matrix<Float> {
        precondition(pixels.count == rows * columns, "\(pixels.count) pixels for a \(rows)×\(columns) matrix")
        let elements = [Float](unsafeUninitializedCapacity: pixels.count) { out, initialized in
            pixels.withUnsafeBufferPointer { scale($0, into: out) }
            initialized = pixels.count
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }
}
