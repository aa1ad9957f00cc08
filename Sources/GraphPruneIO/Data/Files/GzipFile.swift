import CZlib
import Foundation
import GraphPruneNumerics

/// Decompression of gzip files (RFC 1952) through the system zlib.
///
/// Input that does not start with the gzip magic bytes `1f 8b` is returned unchanged, so a
/// reader can take either `name.gz` or the already unpacked `name` without asking which it got.
/// Several gzip members one after the other (what `cat a.gz b.gz` makes) decompress to the
/// concatenation of their contents, as `gunzip` does.
public enum GzipFile {
    /// The first two bytes of every gzip member.
    static let magic: [UInt8] = [0x1F, 0x8B]

    /// Whether `data` starts with the gzip magic bytes.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == magic[0] && data[data.startIndex + 1] == magic[1]
    }

    /// The decompressed contents of `data`, or `data` itself when it is not gzip.
    ///
    /// - Parameters:
    ///   - name: the file (or buffer) name that errors report.
    ///   - limit: the most bytes the contents may have, and `limitSource` what sets it (the size
    ///     a format's header declares; by default the machine's memory). Inflating stops as soon
    ///     as the output would pass it, so a small file that inflates to gigabytes (a gzip bomb)
    ///     costs at most `limit` bytes before the error.
    /// - Throws: `FileFormatError` for a truncated or corrupt stream, bytes after the last
    ///   member that are not another member, or contents longer than `limit`.
    /// - Complexity: O(compressed + decompressed size).
    public static func decompress(
        _ data: Data, name: String, limit: Int = MemoryBudget.availableBytes, limitSource: String = "this machine's memory"
    ) throws -> Data {
        guard isGzip(data) else { return data }
        let outcome = data.withUnsafeBytes { input in inflateAll(input, sizeHint: min(sizeHint(of: data), limit), limit: limit, stopAtLimit: false) }
        switch outcome {
        case .success(let output): return output
        case .failure(.tooLarge): throw FileFormatError(file: name, problem: "decompresses to more than \(limit) bytes, the most \(limitSource) allows")
        case .failure(let problem): throw FileFormatError(file: name, problem: problem.description)
        }
    }

    /// The first `count` bytes of the contents of `data` (all of them when there are fewer), or
    /// of `data` itself when it is not gzip: a header to read before deciding how much the whole
    /// file may inflate to.
    /// - Throws: `FileFormatError` when the stream is corrupt within those bytes.
    /// - Complexity: O(count) plus the compressed bytes read.
    public static func prefix(_ data: Data, count: Int, name: String) throws -> Data {
        guard isGzip(data) else { return data.prefix(count) }
        let outcome = data.withUnsafeBytes { input in inflateAll(input, sizeHint: count, limit: count, stopAtLimit: true) }
        switch outcome {
        case .success(let output): return output
        case .failure(let problem): throw FileFormatError(file: name, problem: problem.description)
        }
    }

    /// The uncompressed size the last member's trailer (ISIZE, little-endian, mod 2³²) states,
    /// when plausible: deflate cannot shrink data by more than about 1032 : 1.
    private static func sizeHint(of data: Data) -> Int {
        guard data.count >= 18 else { return 1 << 16 }
        var size = 0
        for k in 0..<4 { size |= Int(data[data.endIndex - 4 + k]) << (8 * k) }
        return size > 0 && size <= data.count * 1032 ? size : max(1 << 16, data.count * 4)
    }

    /// What went wrong while inflating, before the file name is attached.
    enum Problem: Error, CustomStringConvertible {
        case truncated(produced: Int)
        case corrupt(String)
        case trailing(Int)
        case tooLarge

        var description: String {
            switch self {
            case .truncated(let produced):
                return "truncated gzip stream: input ended after \(produced) decompressed bytes, before the end-of-stream marker"
            case .corrupt(let reason): return "corrupt gzip data (\(reason))"
            case .trailing(let count): return "\(count) bytes after the end of the gzip stream are not another gzip member"
            case .tooLarge: return "decompresses to more than allowed"
            }
        }
    }

    /// Inflates every gzip member of `input` into one buffer, growing it as needed but never
    /// beyond `limit + 1` bytes: more is `.tooLarge`, or with `stopAtLimit` the first `limit`
    /// bytes.
    ///
    /// The `z_stream` lives in memory allocated here (zlib keeps a pointer back to it, so it must
    /// not move); input and output pointers are set before every `inflate` call, because the
    /// output buffer may be reallocated between calls.
    private static func inflateAll(_ input: UnsafeRawBufferPointer, sizeHint: Int, limit: Int, stopAtLimit: Bool) -> Result<Data, Problem> {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // windowBits 15 + 32: the largest window, gzip or zlib header detected automatically.
        guard inflateInit2_(stream, 47, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(.corrupt("zlib could not be initialised"))
        }
        defer { inflateEnd(stream) }

        let inputBase = input.bindMemory(to: UInt8.self).baseAddress!
        var output = Data(count: max(sizeHint, 1))
        var consumed = 0
        var produced = 0
        while true {
            if stopAtLimit && produced >= limit { return .success(output.prefix(limit)) }
            if produced > limit { return .failure(.tooLarge) }
            if produced == output.count { output.count = min(output.count * 2, limit + 1) }
            let available = min(input.count - consumed, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
            stream.pointee.avail_in = UInt32(available)
            let room = min(output.count - produced, Int(UInt32.max))
            let status = output.withUnsafeMutableBytes { out -> Int32 in
                stream.pointee.next_out = out.bindMemory(to: UInt8.self).baseAddress! + produced
                stream.pointee.avail_out = UInt32(room)
                return inflate(stream, Z_NO_FLUSH)
            }
            consumed += available - Int(stream.pointee.avail_in)
            produced += room - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                let rest = input.count - consumed
                if rest == 0 {
                    output.count = produced
                    return .success(output)
                }
                guard rest >= 2, inputBase[consumed] == magic[0], inputBase[consumed + 1] == magic[1] else {
                    return .failure(.trailing(rest))
                }
                inflateReset(stream)
            case Z_OK, Z_BUF_ERROR:
                // No progress possible without more input: the file ended inside the stream.
                if consumed == input.count && stream.pointee.avail_out > 0 {
                    return .failure(.truncated(produced: produced))
                }
            case Z_MEM_ERROR:
                return .failure(.corrupt("out of memory"))
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                return .failure(.corrupt(reason))
            }
        }
    }
}
