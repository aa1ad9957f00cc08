/// Paired comparisons with a table's control (`control:` in a study's table).
extension StudyReport {
    /// The table of paired differences to `table.control`, laid out like `markdownTable(table)`:
    /// each cell holds, over the seeds, `run − its control run` of the metric (as displayed, so
    /// in points for a percentage), with the Student-t interval at `table.confidence` (0.95 by
    /// default) and the paired t-test's p-value (`PairedComparison`). `nil` when the table has no
    /// control.
    ///
    /// A run's control run is the one that matches `table.where` and the control's settings and
    /// agrees with the run on the seed, on the row and column labels unless the control fixes
    /// them, and on every other axis that applies to the control (an axis the control ignores,
    /// such as the edge score of a random mask, does not tell controls apart). So with rows
    /// `scorer`, columns `ratio` and control `{scorer: random}`, each run is compared with the
    /// random run of its ratio and seed. A cell whose runs are their own controls reads
    /// `control`; a seed missing on either side is left out (the count shows it).
    /// - Throws: `ReportError` when the control names several runs for one run (the control
    ///   must pin down one run per seed and cell).
    /// - Complexity: O(runs in the table × control runs of the same seed and labels).
    public func pairedTable(_ table: StudySpec.Table) throws -> MarkdownTable? {
        guard let control = table.control else { return nil }
        let level = table.confidence ?? 0.95
        let layout = self.layout(table)
        let controlNames = Set(control.keys)
        let labels = [table.rows, table.columns].compactMap { $0 }.filter { controlNames.isDisjoint(with: $0.names) }
        let labelled = Set(([table.rows] + [table.columns].compactMap { $0 }).flatMap(\.names))
        let axes = spec.axes.map(\.name).filter { !labelled.contains($0) && !controlNames.contains($0) }
        func key(_ run: PlannedRun) -> [String] {
            labels.map { Self.label(value(run, $0)) } + [String(run.settings.seed)]
        }
        let selector = table.filter.merging(control) { _, controlValue in controlValue }
        var controls = [[String]: [PlannedRun]]()
        // Every planned cell, not only distinct runs: a run shared by cells (a random mask under
        // each edge score) is the control of each of them.
        for run in planned where selector.allSatisfy({ value(run, $0.key) == $0.value }) {
            controls[key(run), default: []].append(run)
        }
        func controlRun(of run: PlannedRun) throws -> PlannedRun? {
            var matching = [PlannedRun]()
            for c in controls[key(run)] ?? [] where !matching.contains(where: { $0.hash == c.hash })
                && axes.allSatisfy({ axis in value(c, axis).map { $0 == value(run, axis) } ?? true }) {
                matching.append(c)
            }
            guard matching.count <= 1 else {
                throw ReportError(
                    subject: "table of \(table.metric) paired with \(describe(control))",
                    problem: "the control matches runs \(matching.map(\.hash).joined(separator: " and ")) for run \(run.hash); give it the settings that tell them apart")
            }
            return matching.first
        }
        func metric(_ run: PlannedRun) -> Double? {
            guard let v = results[run.hash]?.metrics[table.metric], v.isFinite else { return nil }
            return table.percent ? 100 * v : v
        }
        // Every cell's comparison first, so a correction can see them all.
        var cells = try layout.rowKeys.map { r in
            try layout.columnKeys.map { c -> (isControl: Bool, comparison: PairedComparison?) in
                let pairs = try layout.runs(r, c).compactMap { run in try controlRun(of: run).map { (run: run, control: $0) } }
                if !pairs.isEmpty && pairs.allSatisfy({ $0.run.hash == $0.control.hash }) { return (true, nil) }
                let values = pairs.compactMap { pair -> (value: Double, control: Double)? in
                    guard let v = metric(pair.run), let c = metric(pair.control) else { return nil }
                    return (v, c)
                }
                return (false, PairedComparison(values))
            }
        }
        switch table.correction {
        case .holm?:
            let tested = cells.indices.flatMap { r in cells[r].indices.compactMap { c in cells[r][c].comparison?.pValue.map { (r, c, $0) } } }
            for (k, p) in HolmCorrection.adjust(tested.map(\.2)).enumerated() {
                cells[tested[k].0][tested[k].1].comparison?.adjustedPValue = p
            }
        case nil:
            break
        }
        let rows: [[MarkdownCell]] = layout.rowKeys.indices.map { r in
            [.text(Self.label(layout.rowKeys[r]))] + cells[r].map { cell in
                if cell.isControl { return .text("control") }
                return cell.comparison.map { .difference($0, level: level) } ?? .missing
            }
        }
        let label = "Δ " + RunMetrics.label(table.metric, percent: table.percent)
        let alignments: [MarkdownTable.Alignment] = [.left] + layout.columnKeys.map { _ in .right }
        return try MarkdownTable(header: layout.header(label), rows: rows, alignments: alignments, decimals: table.decimals)
    }
}
