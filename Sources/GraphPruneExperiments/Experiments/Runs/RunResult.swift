import Foundation
import GraphPruneNumerics
import GraphPrunePruning

/// What one run produced, stored as `RESULTS/<hash>.json`: its resolved settings, final
/// metrics, per-layer records, per-epoch history by phase, timings, the toolkit's version and
/// the machine. Reports read nothing else.
public struct RunResult: Codable, Sendable {
    /// One training phase's epochs (`train`, `adapt`, `finetune`).
    public struct Phase: Codable, Sendable {
        public var name: String
        public var epochs: [RewiredEpochRecord]
    }

    /// Per-layer numbers (units before/after, kept edges, λ₂ before/after, collapsed neurons).
    public struct LayerRecord: Codable, Sendable {
        public var name: String
        public var values: [String: Double]
    }

    public var hash: String
    public var procedure: String
    /// The resolved settings (defaults included) — `canonical` is what the hash covers.
    public var settings: [String: SettingValue]
    public var canonical: String
    public var seed: UInt64
    public var metrics: [String: Double]
    public var layers: [LayerRecord]
    public var phases: [Phase]
    public var timings: [String: Double]
    /// The study's own model the run pruned (the `model` setting), with its file's SHA-256.
    public var model: ModelSource?
    public var toolkitVersion: String
    public var machine: MachineDescription
    public var started: String
    public var finished: String
    /// Why the run failed, for a run whose failure is its outcome (training diverged: the same
    /// seed diverges again), stored so that reports list it and `run` does not repeat it; such
    /// a record has no metrics and enters no statistic. Nil for a finished run.
    public var failure: String?
}

extension RunResult {
    /// A model file by path and content.
    public struct ModelSource: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
    }
}

/// The machine a run ran on.
public struct MachineDescription: Codable, Sendable, Equatable {
    public var hostname: String
    public var cores: Int
    public var blasThreads: Int
    public var memoryGiB: Double
    public var operatingSystem: String
    /// OpenBLAS's kernels (`BLASCore.name`); nil in runs stored before 0.8.
    public var blasCore: String?

    public static func current() -> MachineDescription {
        let info = ProcessInfo.processInfo
        return MachineDescription(
            hostname: info.hostName, cores: info.activeProcessorCount, blasThreads: BLASThreads.count,
            memoryGiB: (Double(info.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
            operatingSystem: info.operatingSystemVersionString, blasCore: BLASCore.name)
    }

    public var summary: String {
        let kernels = blasCore.map { " (\($0) kernels)" } ?? ""
        return "\(cores) cores, \(memoryGiB) GiB, OpenBLAS \(blasThreads) thread\(blasThreads == 1 ? "" : "s")\(kernels), \(operatingSystem)"
    }
}

/// The toolkit's version, recorded in every run and report.
public enum GraphPruneVersion {
    public static let string = "0.12.0"
}

extension SettingValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .flag(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .word(s) }
        else { self = .integers(try c.decode([Int].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .integer(let i): try c.encode(i)
        case .number(let x): try c.encode(x)
        case .word(let s): try c.encode(s)
        case .flag(let b): try c.encode(b)
        case .integers(let list): try c.encode(list)
        }
    }
}
