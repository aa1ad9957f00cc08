/// An 8-bit RGB image written as PNG (ISO/IEC 15948): the signature, an `IHDR` chunk (colour
/// type 2, no interlace), one `IDAT` chunk holding the zlib-compressed scanlines (each with
/// filter byte 0), `IEND`; every chunk's CRC-32 over its type and data. Deterministic.
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, top row first, `(r, g, b)` each.
    public var pixels: [UInt8]

    /// A `width × height` image from `pixels` (3 bytes per pixel, row-major, top row first).
    /// - Precondition: positive sizes and `pixels.count == 3 · width · height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == 3 * width * height, "PNGImage: \(width) × \(height) with \(pixels.count) bytes")
        (self.width, self.height, self.pixels) = (width, height, pixels)
    }

    /// The PNG file's bytes.
    /// - Complexity: O(width · height).
    public func encoded() -> [UInt8] {
        var scanlines = [UInt8]()
        scanlines.reserveCapacity(height * (1 + 3 * width))
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[(row * 3 * width)..<((row + 1) * 3 * width)]
        }
        var header = Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // bit depth 8, RGB, deflate, adaptive filtering, no interlace
        return Self.signature + Self.chunk("IHDR", header) + Self.chunk("IDAT", ZlibStream.deflate(scanlines)) + Self.chunk("IEND", [])
    }

    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typed + bigEndian(ZlibStream.crc32(typed))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
