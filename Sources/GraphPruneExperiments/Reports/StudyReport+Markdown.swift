import Foundation

/// The report's Markdown document.
extension StudyReport {
    /// `NAME.md`: caption, description, every table (mean ± std (n) over seeds), links to the
    /// plots, the study's settings, the software and machines the runs used, the command that
    /// regenerates the report, and the runs that failed or are missing.
    public func markdown(studyPath: String, plotFiles: [(fileName: String, title: String)]) throws -> String {
        let distinct = StudyGrid.distinctRuns(planned)
        let done = distinct.filter { results[$0.hash] != nil }
        var md = "# \(spec.caption)\n\n"
        if !spec.description.isEmpty { md += spec.description.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n" }
        md += "Study `\(studyPath)`\(variant.map { " (variant \($0))" } ?? ""): \(done.count) of \(distinct.count) runs finished"
        let failed = self.failed
        if !failed.isEmpty { md += "; \(failed.count) failed (listed at the end, left out of every table and plot)" }
        md += missing.isEmpty ? ".\n\n" : "; \(missing.count) missing (listed at the end): their cells are averaged over fewer seeds or shown as —.\n\n"
        for (k, table) in spec.tables.enumerated() {
            md += "## Table \(k + 1)\(table.caption.map { ": \($0)" } ?? "")\n\n"
            md += try markdownTable(table).text + "\n"
            let meaning = RunMetrics.descriptions.first { $0.name == table.metric }?.meaning ?? table.metric
            let interval = table.confidence.map { " [\(Self.percentage($0)) confidence interval of the mean, Student t]" } ?? ""
            let what = table.epochs(variant: variant) == nil ? "\(table.metric) — \(meaning)" : "\(table.metric) after the column's epoch (counted over all training phases)"
            md += "Cells: \(what)\(table.percent ? ", in %" : ""); mean ± sample standard deviation\(interval) (number of seeds)."
            if !table.filter.isEmpty { md += " Runs with " + describe(table.filter) + "." }
            md += "\n\n"
            if let control = table.control, let paired = try pairedTable(table) {
                let level = Self.percentage(table.confidence ?? 0.95)
                md += "Paired with the control (\(describe(control))), seed by seed:\n\n" + paired.text + "\n"
                md += "Cells: the mean over seeds of (run − the control's run with the same seed and other settings)"
                md += table.percent ? ", in percentage points" : ""
                md += " [\(level) confidence interval of the mean difference, Student t] p = the paired t-test's two-sided p-value (number of pairs)."
                md += " An interval that excludes 0 is a difference at the \(Self.percentage(1 - (table.confidence ?? 0.95))) level;"
                if table.correction == .holm {
                    let tested = paired.rows.joined().filter { cell in
                        if case .difference(let comparison, _) = cell { return comparison.pValue != nil } else { return false }
                    }.count
                    md += " p-values are Holm-adjusted over the table's \(tested) comparisons (any false difference at p ≤ α has chance at most α); the intervals are each cell's own.\n\n"
                } else {
                    md += " each cell is tested on its own (no correction for the number of cells), so among many cells a few such differences are expected by chance.\n\n"
                }
            }
        }
        if !plotFiles.isEmpty {
            md += "## Plots\n\n"
            for p in plotFiles { md += "![\(p.title)](\(p.fileName))\n\n" }
            let numbered = spec.plots.enumerated().map { (number: $0.offset + 1, plot: $0.element) }
            let barred = numbered.filter { $0.plot.kind != .distribution }
            let bars = Set(barred.map(\.plot.errorBars))
            if bars.count == 1, let only = bars.first {
                md += "Points are means over seeds; error bars are \(only.meaning).\n\n"
            } else if !barred.isEmpty {
                md += "Points are means over seeds; error bars are "
                md += barred.map { "\($0.plot.errorBars.meaning) in plot \($0.number)" }.joined(separator: ", ") + ".\n\n"
            }
            let distributions = numbered.filter { $0.plot.kind == .distribution }.map { String($0.number) }
            if !distributions.isEmpty {
                md += "Plot\(distributions.count > 1 ? "s" : "") \(distributions.joined(separator: ", ")) draw\(distributions.count > 1 ? "" : "s") distribution functions: a line is one epoch's quantiles (0, 5 %, …, 100 % of the neurons), each quantile averaged over the cell's seeds.\n\n"
            }
        }
        md += "## Settings\n\n"
        let base = spec.settings(variant: variant)
        md += "- Every run: " + (base.isEmpty ? "the defaults" : describe(base)) + "; every other setting at its default (`graphprune run --help` and `Methods/README.md` list them).\n"
        for axis in spec.axes { md += "- Axis `\(axis.name)`: \(axis.values.map(\.description).joined(separator: ", "))\n" }
        for cell in spec.cells { md += "- Extra cell: \(describe(cell))\n" }
        for o in spec.overrides { md += "- Where \(describe(o.when)): \(describe(o.set))\n" }
        md += "- Seeds: \(spec.seeds.map(String.init).joined(separator: ", "))\n\n"
        md += "## Software and machine\n\n"
        let versions = Set(done.compactMap { results[$0.hash]?.toolkitVersion }).sorted()
        let machines = Set(done.compactMap { results[$0.hash]?.machine.summary }).sorted()
        let dates = done.compactMap { results[$0.hash]?.finished }.sorted()
        md += "- graphprune \(versions.isEmpty ? GraphPruneVersion.string : versions.joined(separator: ", "))\n"
        for m in machines { md += "- Machine: \(m)\n" }
        if let first = dates.first, let last = dates.last { md += "- Runs finished between \(first) and \(last)\n" }
        let seconds = done.compactMap { results[$0.hash]?.metrics["seconds"] }.reduce(0, +)
        md += "- Run time, summed over the runs: \(MarkdownTable.number(seconds / 60, decimals: 1)) min\n\n"
        md += "## Regenerate\n\n```sh\n"
        let option = variant.map { $0 == "full" ? " --full" : " --variant \($0)" } ?? ""
        md += "graphprune run \(studyPath)\(option) && graphprune report \(studyPath)\(option)\n```\n"
        if !failed.isEmpty {
            md += "\n## Failed runs\n\n"
            for (run, reason) in failed { md += "- `\(run.hash)` seed \(run.settings.seed): \(describe(run.settings)) — \(reason)\n" }
        }
        if !missing.isEmpty {
            md += "\n## Missing runs\n\n"
            for run in missing { md += "- `\(run.hash)` seed \(run.settings.seed): \(describe(run.settings))\n" }
        }
        return md
    }

    /// A level as a percentage without trailing zeros: 0.95 → "95 %", 0.975 → "97.5 %".
    static func percentage(_ level: Double) -> String {
        var text = String(format: "%.6f", 100 * level)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + " %"
    }

    /// A run's non-default settings.
    func describe(_ settings: RunSettings) -> String {
        describe(Dictionary(uniqueKeysWithValues: settings.nonDefault.map { ($0.name, $0.value) }))
    }

    func describe(_ settings: [String: SettingValue]) -> String {
        settings.sorted { $0.key < $1.key }.map { "`\($0.key): \($0.value)`" }.joined(separator: ", ")
    }
}
