import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a file so that readers see either the old contents or the complete new ones, never a
/// half-written file.
///
/// The bytes go to a fresh temporary file `.<name>.tmp-<pid>-<random>` in the destination's
/// directory (created exclusively, mode 0666 minus the umask), are flushed with `fsync`, and
/// the file is then renamed over the destination with `rename(2)`, which is atomic within one
/// file system. On any failure the temporary file is removed and the destination is untouched.
/// (The random suffix only avoids name clashes; it never influences results.)
public enum AtomicFile {
    /// Writes `data` to `url` atomically, replacing an existing file.
    /// - Throws: `FileWriteError` with the path and the system's reason (`strerror`).
    /// - Complexity: O(data.count).
    public static func write(_ data: Data, to url: URL) throws {
        try write([data], to: url)
    }

    /// Writes the concatenation of `parts` to `url` atomically, replacing an existing file, without
    /// joining them in memory first (a header and a large body written straight from its array).
    /// - Throws: `FileWriteError` with the path and the system's reason (`strerror`).
    /// - Complexity: O(total bytes).
    public static func write(_ parts: [Data], to url: URL) throws {
        let destination = url.path
        // Only a regular file is replaced: renaming over a device node, a FIFO or a symbolic
        // link would replace it (as root, /dev/null) instead of writing through it.
        var status = stat()
        if lstat(destination, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
            throw FileWriteError(path: destination, problem: "exists and is not a regular file (a directory, device, FIFO or symbolic link); give the path of a regular file")
        }
        let directory = url.deletingLastPathComponent().path
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let temporary = URL(fileURLWithPath: directory)
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(suffix)").path

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw FileWriteError(path: destination, problem: "cannot create temporary file: \(systemReason())")
        }
        var failure: String?
        for part in parts where failure == nil {
            if let code = writeAll(part, to: descriptor) { failure = "cannot write: \(systemReason(code))" }
        }
        if failure == nil && fsync(descriptor) != 0 {
            failure = "cannot flush to disk: \(systemReason())"
        }
        if close(descriptor) != 0 && failure == nil {
            failure = "cannot close: \(systemReason())"
        }
        if failure == nil && rename(temporary, destination) != 0 {
            failure = "cannot rename temporary file into place: \(systemReason())"
        }
        if let failure {
            unlink(temporary)
            throw FileWriteError(path: destination, problem: failure)
        }
    }

    /// Writes every byte of `data` to `descriptor`, retrying on short writes and `EINTR`.
    /// Returns `errno` on failure, `nil` on success.
    private static func writeAll(_ data: Data, to descriptor: Int32) -> Int32? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    private static func systemReason(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
