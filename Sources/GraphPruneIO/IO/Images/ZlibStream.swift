import CZlib
import Foundation

/// zlib's deflate and CRC-32 for writers of formats built on them (PNG).
public enum ZlibStream {
    /// `bytes` compressed as one zlib stream (RFC 1950: header, deflate data, Adler-32), at
    /// compression level 9. Deterministic: the same bytes give the same stream.
    public static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress!, &length, input.baseAddress ?? UnsafePointer(out.baseAddress!), uLong(bytes.count), 9)
            }
        }
        // compressBound is enough room by zlib's contract, and memory failures trap elsewhere.
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        return Array(output.prefix(Int(length)))
    }

    /// The bytes of one zlib stream that inflates to exactly `count` bytes, or nil when the
    /// stream is corrupt or inflates to another length.
    public static func inflate(_ stream: [UInt8], count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var length = uLong(count)
        var output = [UInt8](repeating: 0, count: max(count, 1))
        let status = output.withUnsafeMutableBufferPointer { out in
            stream.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress!, &length, input.baseAddress ?? UnsafePointer(out.baseAddress!), uLong(stream.count))
            }
        }
        guard status == Z_OK, Int(length) == count else { return nil }
        return Array(output.prefix(count))
    }

    /// The CRC-32 (ISO 3309, as PNG and gzip use it) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: uLong = 0
            var start = 0
            repeat {  // zlib takes at most 2³² − 1 bytes a call
                let length = min(buffer.count - start, 1 << 30)
                crc = CZlib.crc32(crc, buffer.baseAddress.map { $0 + start }, uInt(length))
                start += length
            } while start < buffer.count
            return UInt32(crc)
        }
    }
}
