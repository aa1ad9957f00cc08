import Foundation

/// The guard every size read from a file or a setting passes before anything is allocated for
/// it: the bytes it implies, computed in checked arithmetic, must fit in the memory available. A 63-byte graph file declaring 10¹² nodes, an architecture with a 10⁹-wide layer or a
/// benchmark size near 2⁶³ then gives one line saying how much memory it needs, instead of an
/// allocation failure or an arithmetic-overflow trap.
///
/// The budget is the machine's physical memory, lowered by the cgroup's `memory.max` (a
/// container's or a Slurm job's `--mem`) and by `GRAPHPRUNE_MEMORY_LIMIT_MB` when set (the
/// fuzzers run under 1 GiB this way).
public enum MemoryBudget {
    /// The memory this process may plan to use, in bytes: the least of the machine's physical
    /// memory, the cgroup limit and `GRAPHPRUNE_MEMORY_LIMIT_MB`.
    public static let availableBytes: Int = {
        var bytes = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            bytes = min(bytes, limit)
        }
        if let text = ProcessInfo.processInfo.environment["GRAPHPRUNE_MEMORY_LIMIT_MB"], let mib = Int(text), mib > 0 {
            bytes = min(bytes, mib.multipliedReportingOverflow(by: 1 << 20).overflow ? Int.max : mib << 20)
        }
        return bytes
    }()

    /// `Π counts × bytesEach`, or nil when a count is negative or the product overflows `Int`.
    public static func bytes(_ counts: [Int], each bytesEach: Int) -> Int? { checkedProduct(counts + [bytesEach]) }

    /// Throws unless `Π counts × bytesEach` bytes fit in the memory available; `what` names the
    /// thing in the message ("1000000000000 nodes", "training 1581329750 parameters"). Returns
    /// the bytes.
    @discardableResult
    public static func require(_ counts: [Int], bytesEach: Int, for what: String) throws(MemoryBudgetError) -> Int {
        guard let total = bytes(counts, each: bytesEach) else {
            throw MemoryBudgetError("\(what) need more than \(Int.max) bytes; only \(describe(availableBytes)) of memory is available")
        }
        guard total <= availableBytes else {
            throw MemoryBudgetError("\(what) need \(describe(total)); only \(describe(availableBytes)) of memory is available")
        }
        return total
    }

    /// A byte count in words: "23.4 GiB", "512 bytes".
    public static func describe(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1024, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.1f %@", value, units[unit])
    }
}

/// A size that the machine cannot hold; the message says how much it needs and what there is.
public struct MemoryBudgetError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
