import Foundation

/// Fixed-width integers and float arrays to and from bytes, little- or big-endian.
///
/// This is the only file of `IO/` that touches raw memory, and only inside the two small
/// generic functions `decode` and `encode`; every caller checks ranges against the buffer first,
/// so a range outside the data is a programming error and traps.
enum ByteCodec {
    /// The unsigned little-endian integer of `width` bytes at `offset` (relative to the start of
    /// `data`), or `nil` when those bytes are not all present.
    static func unsignedLittleEndian(_ data: Data, at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width <= 8, offset <= data.count - width else { return nil }
        var value: UInt64 = 0
        for k in 0..<width {
            value |= UInt64(data[data.startIndex + offset + k]) << (8 * UInt64(k))
        }
        return value
    }

    /// `range.count / 4` float32 values from the bytes `range` of `data`.
    static func floats(_ data: Data, _ range: Range<Int>, bigEndian: Bool = false) -> [Float] {
        decode(data, range, UInt32.self, bigEndian: bigEndian) { Float(bitPattern: $0) }
    }

    /// `range.count / 8` float64 values from the bytes `range` of `data`.
    static func doubles(_ data: Data, _ range: Range<Int>, bigEndian: Bool = false) -> [Double] {
        decode(data, range, UInt64.self, bigEndian: bigEndian) { Double(bitPattern: $0) }
    }

    /// `range.count / 2` IEEE half-precision values, widened exactly to `Float`.
    static func halfFloats(_ data: Data, _ range: Range<Int>) -> [Float] {
        decode(data, range, UInt16.self, bigEndian: false) { HalfPrecision.float(fromHalf: $0) }
    }

    /// `range.count / 2` bfloat16 values, widened exactly to `Float`.
    static func bfloat16s(_ data: Data, _ range: Range<Int>) -> [Float] {
        decode(data, range, UInt16.self, bigEndian: false) { HalfPrecision.float(fromBFloat16: $0) }
    }

    /// The little-endian bytes of `values`. O(n).
    static func littleEndianBytes(_ values: [Float]) -> Data {
        encode(values, UInt32.self) { $0.bitPattern }
    }

    /// Integers of `width` bytes (1, 2, 4 or 8), signed or not, as `Double` (exact up to 2⁵³).
    static func integers(_ data: Data, _ range: Range<Int>, width: Int, signed: Bool, bigEndian: Bool) -> [Double] {
        switch (width, signed) {
        case (1, false): decode(data, range, UInt8.self, bigEndian: false) { Double($0) }
        case (1, true): decode(data, range, UInt8.self, bigEndian: false) { Double(Int8(bitPattern: $0)) }
        case (2, false): decode(data, range, UInt16.self, bigEndian: bigEndian) { Double($0) }
        case (2, true): decode(data, range, UInt16.self, bigEndian: bigEndian) { Double(Int16(bitPattern: $0)) }
        case (4, false): decode(data, range, UInt32.self, bigEndian: bigEndian) { Double($0) }
        case (4, true): decode(data, range, UInt32.self, bigEndian: bigEndian) { Double(Int32(bitPattern: $0)) }
        case (8, false): decode(data, range, UInt64.self, bigEndian: bigEndian) { Double($0) }
        default: decode(data, range, UInt64.self, bigEndian: bigEndian) { Double(Int64(bitPattern: $0)) }
        }
    }

    /// The little-endian bytes of `values`. O(n).
    static func littleEndianBytes(_ values: [Double]) -> Data {
        encode(values, UInt64.self) { $0.bitPattern }
    }

    /// Values of `Bits` width read (unaligned) from `range` and mapped by `make`.
    private static func decode<Bits: FixedWidthInteger & UnsignedInteger, T>(
        _ data: Data, _ range: Range<Int>, _: Bits.Type, bigEndian: Bool,
        _ make: (Bits) -> T
    ) -> [T] {
        let width = MemoryLayout<Bits>.size
        let count = range.count / width
        precondition(range.lowerBound >= 0 && range.upperBound <= data.count, "byte range outside the data")
        return data.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(
                        fromByteOffset: range.lowerBound + i * width, as: Bits.self)
                    out[i] = make(bigEndian ? Bits(bigEndian: bits) : Bits(littleEndian: bits))
                }
                initialized = count
            }
        }
    }

    /// The bit patterns `bits(value)` of `values`, stored little-endian one after another.
    private static func encode<Bits: FixedWidthInteger & UnsignedInteger, T>(
        _ values: [T], _: Bits.Type, _ bits: (T) -> Bits
    ) -> Data {
        let width = MemoryLayout<Bits>.size
        var data = Data(count: values.count * width)
        data.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: bits(value).littleEndian, toByteOffset: i * width, as: Bits.self)
            }
        }
        return data
    }
}
