import Foundation

/// A study's report from whatever runs exist: per table cell, the metric's mean ± std (n) over
/// seeds; the long-format CSV of every run and every aggregate; SVG plots. Only numbers that a
/// run stored enter it; missing runs are counted and named.
public struct StudyReport {
    public let spec: StudySpec
    /// The variant reported (`nil`: the default budget).
    public let variant: String?
    /// Every cell × seed of the study (cells resolving to one run list it once each).
    public let planned: [PlannedRun]
    /// The finished runs by hash.
    public let results: [String: RunResult]

    /// The report of the default budget or of `variant` (one of the study's).
    public init(spec: StudySpec, variant: String? = nil, store: RunStore) {
        self.spec = spec
        self.variant = variant
        planned = StudyGrid.expand(spec, variant: variant)
        var results = [String: RunResult]()
        var failed = [String: String]()
        var invalid = [(hash: String, problem: String)]()
        for run in StudyGrid.distinctRuns(planned) {
            switch store.lookup(run) {
            case .done(let result): results[run.hash] = result
            case .failed(let record): failed[run.hash] = record.failure
            case .missing: break
            case .invalid(let problem): invalid.append((run.hash, problem))
            }
        }
        self.results = results
        self.failures = failed
        self.invalid = invalid
    }

    /// Stored files that are not their run's result (left out, like missing runs).
    public let invalid: [(hash: String, problem: String)]

    /// The reasons of the failure records by hash: runs whose outcome was a failure
    /// (divergence), listed by the report and left out of every table, plot and statistic.
    public let failures: [String: String]

    /// Distinct runs that failed, in study order, with the reason.
    public var failed: [(run: PlannedRun, reason: String)] {
        StudyGrid.distinctRuns(planned).compactMap { run in failures[run.hash].map { (run, $0) } }
    }

    /// Distinct runs with neither a result nor a failure record.
    public var missing: [PlannedRun] {
        StudyGrid.distinctRuns(planned).filter { results[$0.hash] == nil && failures[$0.hash] == nil }
    }

    /// The value a run has for `name`: as its cell gave it, else as resolved (nil when the
    /// setting does not apply to the run's procedure).
    ///
    func value(_ run: PlannedRun, _ name: String) -> SettingValue? {
        run.given[name] ?? run.settings.values[name]
    }

    /// The value of a label: of its one setting, or for several (a table or plot labelled by
    /// several settings) the value of the one that applies, or the applicable values joined by
    /// " / " (see below when none does).
    func value(_ run: PlannedRun, _ label: StudySpec.SettingLabel) -> SettingValue? {
        let keys = label.names
        guard keys.count > 1 else { return value(run, keys[0]) }
        // A setting the run ignores does not label it, even if a grid cell set it — unless it
        // ignores them all (a baseline in a grid of CenSET variants): then the cell's values do,
        // so the baseline fills every column, as with a single setting.
        var parts = keys.compactMap { key in run.settings.values[key].map { run.given[key] ?? $0 } }
        if parts.isEmpty { parts = keys.compactMap { run.given[$0] } }
        if parts.count <= 1 { return parts.first }
        return .word(parts.map(\.description).joined(separator: " / "))
    }

    /// Planned runs matching `filter`, grouped by the values of `keys`, groups in study order;
    /// within a group a run shared by several cells counts once.
    func groups(_ keys: [StudySpec.SettingLabel?], filter: [String: SettingValue]) -> [(key: [SettingValue?], runs: [PlannedRun])] {
        var order = [[SettingValue?]](), members = [[SettingValue?]: [PlannedRun]]()
        for run in planned where filter.allSatisfy({ value(run, $0.key) == $0.value }) {
            let key = keys.map { $0.flatMap { value(run, $0) } }
            if members[key] == nil { order.append(key) }
            if !(members[key]?.contains { $0.hash == run.hash } ?? false) { members[key, default: []].append(run) }
        }
        return order.map { ($0, members[$0]!) }
    }

    /// The finite values of `metric` over `runs` that have results, scaled for display.
    func values(_ metric: String, of runs: [PlannedRun], percent: Bool) -> [Double] {
        runs.compactMap { results[$0.hash]?.metrics[metric] }.filter(\.isFinite).map { percent ? 100 * $0 : $0 }
    }

    static func label(_ v: SettingValue?) -> String { v.map { $0.description } ?? "n/a" }

    /// One paper-style table: per cell the metric's mean ± std (n) over seeds, with the
    /// confidence interval of the mean when the table asks for one.
    public func markdownTable(_ table: StudySpec.Table) throws -> MarkdownTable {
        if let epochs = table.epochs(variant: variant) { return try epochTable(table, epochs: epochs) }
        let layout = self.layout(table)
        let rows: [[MarkdownCell]] = layout.rowKeys.map { r in
            [.text(Self.label(r))] + layout.columnKeys.map { c in
                summaryCell(values(table.metric, of: layout.runs(r, c), percent: table.percent), table)
            }
        }
        return try MarkdownTable(header: layout.header(RunMetrics.label(table.metric, percent: table.percent)), rows: rows, decimals: table.decimals)
    }

    /// A table of a per-epoch metric: one column per listed epoch (1-based over all phases),
    /// each cell the metric at that epoch, mean ± std (n) over the row's runs that reached it.
    func epochTable(_ table: StudySpec.Table, epochs: [Int]) throws -> MarkdownTable {
        let layout = self.layout(table)
        let scale = table.percent ? 100.0 : 1.0
        let rows: [[MarkdownCell]] = layout.rowKeys.map { r in
            let curves = layout.runs(r, nil).compactMap { results[$0.hash] }.map { epochCurve($0, table.metric) }
            return [.text(Self.label(r))] + epochs.map { e in
                summaryCell(curves.compactMap { e <= $0.count ? $0[e - 1] : nil }.map { $0 * scale }, table)
            }
        }
        let header = [table.rows.description] + epochs.map { "epoch \($0)" }
        return try MarkdownTable(header: header, rows: rows, decimals: table.decimals)
    }

    /// A cell of `values`: mean ± std (n), with the interval at the table's `confidence` if it
    /// has one; `.missing` when no value is finite.
    func summaryCell(_ values: [Double], _ table: StudySpec.Table) -> MarkdownCell {
        guard let statistics = SummaryStatistics(values) else { return .missing }
        return table.confidence.map { .summaryWithInterval(statistics, level: $0) } ?? .summary(statistics)
    }

    /// A table's runs grouped by row and column label, and the labels in study order.
    struct TableLayout {
        let table: StudySpec.Table
        let groups: [(key: [SettingValue?], runs: [PlannedRun])]
        let rowKeys: [SettingValue?]
        let columnKeys: [SettingValue?]

        /// The runs of the cell (r, c).
        func runs(_ r: SettingValue?, _ c: SettingValue?) -> [PlannedRun] {
            groups.first { $0.key == [r, c] }?.runs ?? []
        }

        /// The row title, then one title per column (`metricLabel` for a single column).
        func header(_ metricLabel: String) -> [String] {
            let columnTitle = table.columns?.description ?? ""
            return [table.rows.description]
                + (table.columns == nil ? [metricLabel] : columnKeys.map { "\(columnTitle) = \(StudyReport.label($0))" })
        }
    }

    func layout(_ table: StudySpec.Table) -> TableLayout {
        let groups = self.groups([table.rows, table.columns], filter: table.filter)
        var rowKeys = [SettingValue?](), columnKeys = [SettingValue?]()
        for g in groups {
            if !rowKeys.contains(g.key[0]) { rowKeys.append(g.key[0]) }
            if !columnKeys.contains(g.key[1]) { columnKeys.append(g.key[1]) }
        }
        return TableLayout(table: table, groups: groups, rowKeys: rowKeys, columnKeys: columnKeys)
    }

    /// Long format: one row per run (kind `run`), then per distinct setting combination its
    /// `mean` and `std` over seeds (kind `mean`/`std`, with `n`). Columns: the kind, the hash,
    /// the seed, every axis and varied setting — empty where the setting does not apply to the
    /// run (a baseline shared by many cells appears once, unlabelled by their settings) — `n`,
    /// then every metric.
    public func csv() throws -> CSVTable {
        let names = settingColumns
        let metrics = Array(Set(results.values.flatMap { $0.metrics.keys })).sorted()
        var csv = try CSVTable(header: ["kind", "hash", "seed"] + names + ["n"] + metrics)
        let distinct = StudyGrid.distinctRuns(planned).filter { results[$0.hash] != nil }
        func applicable(_ run: PlannedRun) -> [SettingValue?] { names.map { run.settings.values[$0] } }
        for run in distinct {
            let settings: [TableCell] = applicable(run).map { $0.map { .text($0.description) } ?? .missing }
            try csv.append(["run", .text(run.hash), .text(String(run.settings.seed))] + settings + [.integer(1)]
                           + metrics.map { .optional(results[run.hash]!.metrics[$0]) })
        }
        var order = [[SettingValue?]](), members = [[SettingValue?]: [PlannedRun]]()
        for run in distinct {
            let key = applicable(run)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(run)
        }
        for key in order {
            let withResults = members[key]!
            let settings: [TableCell] = key.map { $0.map { .text($0.description) } ?? .missing }
            let stats = metrics.map { SummaryStatistics(values($0, of: withResults, percent: false)) }
            try csv.append(["mean", .missing, .missing] + settings + [.integer(withResults.count)] + stats.map { .optional($0?.mean) })
            try csv.append(["std", .missing, .missing] + settings + [.integer(withResults.count)] + stats.map { .optional($0?.standardDeviation) })
        }
        return csv
    }

    /// The settings that tell cells apart: the axes, then any setting that varies across cells.
    var settingColumns: [String] {
        var names = spec.axes.map(\.name)
        for p in StudyParameters.all where !names.contains(p.name) {
            let distinct = Set(planned.map { value($0, p.name) })
            if distinct.count > 1 { names.append(p.name) }
        }
        return names
    }
}
