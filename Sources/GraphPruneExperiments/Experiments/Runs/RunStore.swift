import Foundation
import GraphPruneIO

/// The results directory: one `<hash>.json` per finished run, written atomically (temp file +
/// rename), so a killed run leaves at most a temp file, never a half result. A run is done when
/// its file exists and decodes with the same hash; anything else (a temp file, a corrupt or
/// foreign file) means "not done" and the run is redone.
public struct RunStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func url(of hash: String) -> URL { directory.appendingPathComponent("\(hash).json") }

    /// Creates the directory if needed; the message names it when that fails.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StudyRunError("results directory \(directory.path): cannot create it (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: directory.path) else {
            throw StudyRunError("results directory \(directory.path) is not writable")
        }
    }

    /// The finished run `hash`, or nil when it is missing or unreadable.
    public func result(_ hash: String) -> RunResult? {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = FileManager.default.contents(atPath: url(of: hash).path),
              let result = try? decoder.decode(RunResult.self, from: data), result.hash == hash
        else { return nil }
        return result
    }

    public func isDone(_ hash: String) -> Bool { result(hash) != nil }

    public func save(_ result: RunResult) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // A diverged run (NaN loss) is a result too: stored, and left out of the statistics.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(result)
        try AtomicFile.write(data, to: url(of: result.hash))
    }
}

/// A study-level failure (results directory, a run's settings); one line naming what failed.
public struct StudyRunError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
