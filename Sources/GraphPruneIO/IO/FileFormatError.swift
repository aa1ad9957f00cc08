import Foundation

/// A file (or an in-memory buffer standing for one) whose contents cannot be read as the format
/// it claims to be.
///
/// `problem` is one line, precise enough to fix the file by hand: it names the line, key or byte
/// count at fault, e.g. `"line 7: node id -1 is negative"` or
/// `"truncated: header says 16 bytes of data, file has 12"`. `description` is
/// `"<file>: <problem>"`, the line the CLI prints to stderr.
public struct FileFormatError: Error, CustomStringConvertible, Equatable {
    /// The path of the file, or the name given to an in-memory reader.
    public let file: String
    /// What is wrong, in one line.
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

/// A file that could not be written (or read from disk at all), with the system's reason.
///
/// Unlike `FileFormatError` this says nothing about the contents: the directory is missing,
/// the disk is full, permission was denied.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    /// The destination path.
    public let path: String
    /// What went wrong, e.g. `"cannot create temporary file: No such file or directory"`.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// Whole-file reads shared by the readers of this folder.
enum FileContents {
    /// The bytes of the file at `url`. A file that cannot be opened or read throws a
    /// `FileFormatError` naming the path and the system's reason, so that a CLI prints one line.
    ///
    /// A regular file is memory-mapped (read-only, private), not copied: decoding reads the
    /// page cache directly, so a large weight file costs one pass and no buffer of its size.
    /// (The toolkit replaces files only by rename, `AtomicFile`, which leaves a mapped old file
    /// intact.) Anything else is left to `Data(contentsOf:)` unmapped.
    static func bytes(of url: URL) throws -> Data {
        var status = stat()
        let regular = stat(url.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        do {
            return try Data(contentsOf: url, options: regular ? .alwaysMapped : [])
        } catch {
            throw FileFormatError(file: url.path, problem: "cannot be read (\(reason(error)))")
        }
    }

    /// The file at `url` as UTF-8 text (a leading byte-order mark is dropped).
    static func text(of url: URL) throws -> String {
        let data = try bytes(of: url)
        guard var text = String(data: data, encoding: .utf8) else {
            throw FileFormatError(file: url.path, problem: "not valid UTF-8 text")
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        return text
    }

    /// The POSIX reason behind a Foundation error when there is one, else its description.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }
}
