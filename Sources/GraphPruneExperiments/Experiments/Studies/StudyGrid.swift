/// The runs of a study: every cell of the axes' product (first axis slowest, last fastest),
/// then the extra cells, each with the overrides applied (an override's `when` matches a cell's
/// given values, or the defaults it resolves to), times the seeds (seed fastest). A study with
/// extra cells and no axes runs only its cells (the bare settings are no cell of their own).
///
/// A cell keeps the values it was given (`given`: settings, axis values, overrides) — tables
/// place it by these — and resolves them into `RunSettings`, whose hash names the run. Cells
/// that resolve to the same settings (SET's cells across a `censet-k` axis) share one run.
public struct PlannedRun: Sendable {
    public var given: [String: SettingValue]
    public var settings: RunSettings
    public var hash: String { settings.hash }
}

public enum StudyGrid {
    /// All planned runs in study order, one per cell and seed (shared runs appear once per cell),
    /// of the default budget or of `variant` (its settings over the study's; axes, cells and
    /// overrides over both).
    /// - Precondition: `variant` is nil or one of the study's (`StudySpec.requireVariant`).
    public static func expand(_ spec: StudySpec, variant: String? = nil) -> [PlannedRun] {
        let base = spec.settings(variant: variant)
        var cells: [[String: SettingValue]] = [base]
        for axis in spec.axes {
            cells = cells.flatMap { cell in axis.values.map { v in cell.merging([axis.name: v]) { _, new in new } } }
        }
        if spec.axes.isEmpty && !spec.cells.isEmpty { cells = [] }
        cells += spec.cells.map { base.merging($0) { _, new in new } }
        cells = cells.map { cell in
            var c = cell
            let resolved = RunSettings(given: c, seed: 0).values
            for o in spec.overrides where o.when.allSatisfy({ (c[$0.key] ?? resolved[$0.key]) == $0.value }) {
                c.merge(o.set) { _, new in new }
            }
            return c
        }
        return cells.flatMap { cell in spec.seeds.map { PlannedRun(given: cell, settings: RunSettings(given: cell, seed: $0)) } }
    }

    /// The distinct runs (first occurrence order): what `run` executes.
    public static func distinctRuns(_ planned: [PlannedRun]) -> [PlannedRun] {
        var seen = Set<String>()
        return planned.filter { seen.insert($0.hash).inserted }
    }
}

/// `--shard I/N`: the runs whose position in the distinct-run list is `I−1 (mod N)`. Every
/// process computes the same list from the same study file, so N shards partition the study
/// exactly, with no coordination.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 1 && index <= count, "shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with 1 ≤ I ≤ N; the message names the problem.
    public init(parsing text: String) throws(StudyParameterError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw StudyParameterError("'\(text)' is not I/N (for example 2/8)")
        }
        guard n >= 1, i >= 1, i <= n else { throw StudyParameterError("'\(text)': needs 1 ≤ I ≤ N") }
        self.init(index: i, count: n)
    }

    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }
}
