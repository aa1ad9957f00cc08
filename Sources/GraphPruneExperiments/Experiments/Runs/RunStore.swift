import Foundation
import GraphPruneIO

/// The results directory: one `<hash>.json` per finished run, written atomically (temp file +
/// rename), so a killed run leaves at most a temp file, never a half result. A run is done when
/// its file exists and passes `lookup`'s checks; anything else (a temp file, a corrupt or
/// foreign file) means "not done" and the run is redone. A run whose failure is its outcome
/// (divergence) has a failure record under the same name. `<hash>.claim` files are the claims
/// of the runs being run now (`RunClaims`).
public struct RunStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// Where runs go unless a study or `--results` says otherwise.
    public static let defaultDirectory = "Reports/runs"

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

    /// The finished run `hash`, or nil when it is missing or unreadable (`lookup` also checks
    /// the file against the run's settings).
    public func result(_ hash: String) -> RunResult? {
        guard case .success(let result)? = decoded(hash), result.hash == hash else { return nil }
        return result
    }

    /// The file of run `hash` decoded, the decoder's complaint, or nil when there is none.
    private func decoded(_ hash: String) -> Result<RunResult, DecodingFailure>? {
        guard let data = FileManager.default.contents(atPath: url(of: hash).path) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return .success(try decoder.decode(RunResult.self, from: data)) } catch {
            return .failure(DecodingFailure(reason: error.localizedDescription))
        }
    }

    private struct DecodingFailure: Error { let reason: String }

    public func isDone(_ hash: String) -> Bool { result(hash) != nil }

    /// What the store holds for a planned run.
    public enum Stored: Sendable {
        case done(RunResult)
        case missing
        /// The run's failure record (`RunResult.failure`): its outcome, not to be averaged.
        case failed(RunResult)
        /// A file is there but is not a result of this run: the reason, in one line.
        case invalid(String)
    }

    /// The stored result of `run`, checked against the run: the file must decode, name the
    /// run's hash, hold exactly the run's settings (its canonical form and its seed: a file of
    /// another scorer or seed under this name is not this run's), and hold metrics that can be
    /// results (accuracies and densities in [0, 1], counts not negative). A NaN is allowed: a
    /// diverged run's record, left out of the statistics.
    public func lookup(_ run: PlannedRun) -> Stored {
        let result: RunResult
        switch decoded(run.hash) {
        case nil: return .missing
        case .failure(let failure)?: return .invalid("not a readable run result (\(failure.reason))")
        case .success(let decoded)?: result = decoded
        }
        guard result.hash == run.hash else { return .invalid("holds run \(result.hash), not \(run.hash)") }
        guard result.canonical == run.settings.canonical, result.seed == run.settings.seed,
              String(SHA256.hex(result.canonical).prefix(16)) == run.hash
        else { return .invalid("its settings are not this run's (\(result.canonical))") }
        for (name, value) in result.metrics.sorted(by: { $0.key < $1.key }) where !value.isNaN {
            let isShare = name.contains("accuracy") || name == "density" || name == "pruning_ratio"
            let isCount = name.hasPrefix("parameters") || name.hasPrefix("connections") || name.hasPrefix("flops")
            guard value.isFinite, !isShare || (0...1).contains(value), !isCount || value >= 0 else {
                return .invalid("metric \(name) = \(value) cannot be a result")
            }
        }
        if let failure = result.failure {
            guard result.metrics.isEmpty, !failure.isEmpty else { return .invalid("a failure record with metrics or without a reason") }
            return .failed(result)
        }
        return .done(result)
    }

    /// Moves the file of run `hash` aside as `<hash>.json.rejected` (`.rejected-2`, … when
    /// that exists), so that a file `lookup` refused is kept as evidence and the run can be
    /// redone; returns where it went.
    /// - Throws: `StudyRunError` naming the file when it cannot be moved.
    public func setAside(_ hash: String) throws -> URL {
        let source = url(of: hash)
        for k in 1...1000 {
            let target = directory.appendingPathComponent("\(hash).json.rejected\(k == 1 ? "" : "-\(k)")")
            if FileManager.default.fileExists(atPath: target.path) { continue }
            // link + unlink: never replaces an existing file (rename would).
            guard link(source.path, target.path) == 0 else {
                if errno == EEXIST { continue }
                throw StudyRunError("\(source.path): cannot move it aside (\(String(cString: strerror(errno))))")
            }
            unlink(source.path)
            return target
        }
        throw StudyRunError("\(source.path): 1000 rejected copies of this run are already there")
    }

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
