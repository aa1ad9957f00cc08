import Foundation
import GraphPruneNumerics
import Yams

extension StudySpec {
    /// Reads a study file. Top-level keys:
    /// ```yaml
    /// name: quickstart              # optional, default: the file's base name
    /// caption: "…"                  # the report's title
    /// description: "…"              # a paragraph for the report
    /// settings: {procedure: neuron-prune, epochs: 3, …}   # every run (see StudyParameters)
    /// axes: {scorer: [eigenvector, random], ratio: [0.3, 0.5]}   # the grid, in this order
    /// seeds: [1, 2, 3]
    /// cells: [{procedure: train}]   # extra cells beyond the product (irregular grids)
    /// overrides: [{when: {scorer: random}, set: {tau: 0.5}}]
    /// tables: [{rows: scorer, columns: ratio, metric: test_accuracy, caption: "…", decimals: 2, percent: true, where: {…}}]
    ///   # rows, columns, x and series may list several settings ([procedure, scorer, method]):
    ///   # a run is labelled by the values of those that apply to it, joined by " / ".
    /// plots: [{kind: lines, x: ratio, series: scorer, metric: test_accuracy, log-x: false, title: "…", x-label: "…", y-label: "…", where: {…}}]
    /// full: {epochs: 200}           # the --full variant's settings (= variants.full)
    /// variants: {cifar10: {dataset: cifar10, arch: 3072-4000-1000-4000-10}}   # --variant NAME
    /// max-runs: 200000              # confirms a grid of more than 100 000 runs (cells × seeds)
    /// results: Reports/runs/NAME    # where the runs are kept (default Reports/runs)
    /// ```
    /// Every unknown key, wrong type and impossible value is an error naming the file, the key
    /// path and the line.
    public static func parse(yaml text: String, file: String) throws -> StudySpec {
        let reader = StudyReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw reader.error("", nil, "the file is empty") }
            root = node
        } catch let error as StudySpecError {
            throw error
        } catch {
            throw reader.error("", nil, "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        let top = try reader.mapping(root, path: "", keys: [
            "name", "caption", "description", "settings", "axes", "seeds", "cells", "overrides", "tables", "plots", "full",
            "variants", "max-runs", "results",
        ])
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let name = try top["name"].map { try reader.word($0, path: "name") } ?? base
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw reader.error("name", top["name"], "'\(name)' must be letters, digits, '-' or '_' (it names the report files)")
        }
        let settings = try top["settings"].map { try reader.settings($0, path: "settings") } ?? [:]
        var axes = [Axis]()
        if let node = top["axes"] {
            guard case .mapping(let m) = node else { throw reader.error("axes", node, "must be a mapping of setting → list of values") }
            for (keyNode, valueNode) in m {
                let key = try reader.word(keyNode, path: "axes")
                let path = "axes.\(key)"
                let parameter = try reader.parameter(key, node: keyNode, path: path)
                guard case .sequence(let seq) = valueNode else { throw reader.error(path, valueNode, "must be a list of values") }
                guard !seq.isEmpty else { throw reader.error(path, valueNode, "is empty: an axis needs at least one value") }
                var values = [SettingValue]()
                for (i, item) in seq.enumerated() {
                    let v = try reader.value(item, parameter: parameter, path: "\(path)[\(i)]")
                    if values.contains(v) { throw reader.error("\(path)[\(i)]", item, "repeats the value \(v)") }
                    values.append(v)
                }
                if settings[key] != nil { throw reader.error(path, keyNode, "is also fixed under settings; give it in one place") }
                axes.append(Axis(name: key, values: values))
            }
        }
        let seeds: [UInt64]
        if let node = top["seeds"] {
            guard case .sequence(let seq) = node, !seq.isEmpty else { throw reader.error("seeds", node, "must be a non-empty list of integers") }
            seeds = try seq.enumerated().map { i, item in
                guard let s = reader.seed(item) else {
                    throw reader.error("seeds[\(i)]", item, "must be an integer from 0 to \(UInt64.max) (what --seed takes)")
                }
                return s
            }
            if Set(seeds).count != seeds.count { throw reader.error("seeds", node, "repeats a seed") }
        } else {
            seeds = [0]
        }
        let cells = try reader.list(top["cells"], path: "cells") { item, path in try reader.settings(item, path: path) }
        let overrides = try reader.list(top["overrides"], path: "overrides") { item, path in
            let m = try reader.mapping(item, path: path, keys: ["when", "set"])
            guard let when = m["when"], let set = m["set"] else { throw reader.error(path, item, "needs both 'when' and 'set'") }
            return Override(when: try reader.settings(when, path: "\(path).when"), set: try reader.settings(set, path: "\(path).set"))
        }
        let maxRuns = try top["max-runs"].map { node in
            guard let n = reader.int(node), n >= 1 else { throw reader.error("max-runs", node, "must be a positive integer") }
            return n
        } ?? StudySpec.defaultMaxRuns
        // As StudyGrid.expand will: the axes' product (none when only extra cells are given),
        // plus the extra cells, times the seeds.
        let gridCells = axes.isEmpty && !cells.isEmpty ? 0 : checkedProduct(axes.map(\.values.count))
        let cellCount = gridCells.flatMap { n -> Int? in
            let (sum, overflow) = n.addingReportingOverflow(cells.count)
            return overflow ? nil : sum
        }
        let runCount = cellCount.flatMap { checkedProduct([$0, seeds.count]) }
        guard let runCount, runCount <= maxRuns else {
            let count = runCount.map { "\($0) runs" } ?? "more than \(Int.max) runs"
            throw reader.error("axes", top["axes"], "the grid expands to \(count), more than the \(maxRuns) that max-runs allows (\(StudySpec.defaultMaxRuns) unless the study sets it); state max-runs to confirm a grid this large")
        }
        do {
            try MemoryBudget.require([runCount], bytesEach: StudySpec.bytesPerPlannedRun, for: "planning \(runCount) runs")
        } catch {
            throw reader.error("axes", top["axes"], "\(error)")
        }
        let tables = try reader.list(top["tables"], path: "tables") { item, path in try reader.table(item, path: path) }
        let plots = try reader.list(top["plots"], path: "plots") { item, path in try reader.plot(item, path: path) }
        var variants = [String: [String: SettingValue]]()
        if let node = top["variants"] {
            guard case .mapping(let m) = node else { throw reader.error("variants", node, "must be a mapping of variant name → settings") }
            for (keyNode, valueNode) in m {
                let variant = try reader.word(keyNode, path: "variants")
                guard !variant.isEmpty, variant != "default", variant.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw reader.error("variants", keyNode, "'\(variant)' must be letters, digits, '-' or '_', and not 'default' (it names the report files)")
                }
                variants[variant] = try reader.settings(valueNode, path: "variants.\(variant)")
            }
        }
        if let node = top["full"] {
            if variants["full"] != nil { throw reader.error("full", node, "is also given as variants.full; give it in one place") }
            variants["full"] = try reader.settings(node, path: "full")
        }
        let byVariant = tables.enumerated().map { ("tables[\($0.offset)]", $0.element.variantEpochs) }
            + plots.enumerated().map { ("plots[\($0.offset)]", $0.element.variantEpochs) }
        for (path, epochs) in byVariant {
            if let unknown = epochs.keys.sorted().first(where: { variants[$0] == nil }) {
                throw reader.error("\(path).epochs.\(unknown)", top[path.hasPrefix("tables") ? "tables" : "plots"], "names no variant of the study (known: default\(variants.keys.sorted().map { ", " + $0 }.joined()))")
            }
        }
        return StudySpec(
            name: name, caption: try top["caption"].map { try reader.word($0, path: "caption") } ?? name,
            description: try top["description"].map { try reader.word($0, path: "description") } ?? "",
            settings: settings, axes: axes, seeds: seeds, cells: cells, overrides: overrides, tables: tables,
            plots: plots, variants: variants,
            results: try top["results"].map { node in
                let directory = try reader.word(node, path: "results")
                guard !directory.isEmpty else { throw reader.error("results", node, "is empty: give a directory (default Reports/runs)") }
                return directory
            })
    }

    /// Reads and parses the study file at `path`.
    public static func load(path: String) throws -> StudySpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StudySpecError(file: path, path: "", line: nil, reason: "cannot read the file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StudySpecError(file: path, path: "", line: nil, reason: "not UTF-8 text")
        }
        return try parse(yaml: text, file: path)
    }
}

/// The checks behind `StudySpec.parse`, each throwing with the key path.
struct StudyReader {
    let file: String

    func error(_ path: String, _ node: Node?, _ reason: String) -> StudySpecError {
        StudySpecError(file: file, path: path, line: node?.mark?.line, reason: reason)
    }

    func mapping(_ node: Node, path: String, keys: [String]) throws -> [String: Node] {
        guard case .mapping(let m) = node else { throw error(path, node, "must be a mapping") }
        var out = [String: Node]()
        for (k, v) in m {
            let key = try word(k, path: path)
            let here = path.isEmpty ? key : "\(path).\(key)"
            guard keys.contains(key) else { throw error(here, k, "unknown key (known: \(keys.joined(separator: ", ")))") }
            guard out[key] == nil else { throw error(here, k, "appears twice") }
            out[key] = v
        }
        return out
    }

    func word(_ node: Node, path: String) throws -> String {
        guard case .scalar(let s) = node else { throw error(path, node, "must be a single value, not a list or mapping") }
        return s.string
    }

    /// A seed: a non-negative integer of up to 64 bits (`--seed` takes the same range).
    func seed(_ node: Node) -> UInt64? {
        guard case .scalar(let scalar) = node, node.tag == Tag(.int) else { return nil }
        if let i = node.int { return i >= 0 ? UInt64(i) : nil }
        return UInt64(scalar.string)
    }

    func int(_ node: Node) -> Int? {
        guard case .scalar = node, node.tag == Tag(.int) else { return nil }
        return node.int
    }

    /// A number written as an integer or a float.
    func double(_ node: Node) -> Double? {
        guard case .scalar = node else { return nil }
        if node.tag == Tag(.int) { return node.int.map(Double.init) }
        return node.tag == Tag(.float) ? node.float : nil
    }

    func parameter(_ key: String, node: Node, path: String) throws -> StudyParameter {
        do { return try StudyParameters.named(key) } catch { throw self.error(path, node, error.description) }
    }

    /// A scalar or a list as the parameter's type.
    func value(_ node: Node, parameter: StudyParameter, path: String) throws -> SettingValue {
        let raw: SettingValue
        switch node {
        case .sequence(let seq):
            raw = .integers(try seq.enumerated().map { i, item in
                guard let n = int(item) else { throw error("\(path)[\(i)]", item, "must be an integer") }
                return n
            })
        case .scalar(let s):
            if let i = int(node) { raw = .integer(i) }
            else if node.tag == Tag(.float), let x = node.float { raw = .number(x) }
            else if node.tag == Tag(.bool), let b = node.bool { raw = .flag(b) }
            else { raw = .word(s.string) }
        default:
            throw error(path, node, "must be a value, not a mapping")
        }
        switch parameter.check(raw) {
        case .success(let v): return v
        case .failure(let e): throw error(path, node, e.description)
        }
    }

    func settings(_ node: Node, path: String) throws -> [String: SettingValue] {
        guard case .mapping(let m) = node else { throw error(path, node, "must be a mapping of setting: value") }
        var out = [String: SettingValue]()
        for (k, v) in m {
            let key = try word(k, path: path)
            let here = "\(path).\(key)"
            guard out[key] == nil else { throw error(here, k, "appears twice") }
            out[key] = try value(v, parameter: try parameter(key, node: k, path: here), path: here)
        }
        return out
    }

    func list<T>(_ node: Node?, path: String, _ item: (Node, String) throws -> T) throws -> [T] {
        guard let node else { return [] }
        guard case .sequence(let seq) = node else { throw error(path, node, "must be a list") }
        return try seq.enumerated().map { i, n in try item(n, "\(path)[\(i)]") }
    }

    func metric(_ node: Node?, path: String, known: [String]) throws -> String {
        guard let node else { return "test_accuracy" }
        let m = try word(node, path: path)
        guard known.contains(m) else { throw error(path, node, "unknown metric '\(m)' (known: \(known.joined(separator: ", ")))") }
        return m
    }

    /// A setting name, or several (a list, or names joined by `+`) whose applicable values
    /// together label a row, column, series or x position (see `StudyReport.value`).
    func settingName(_ node: Node, path: String) throws -> StudySpec.SettingLabel {
        let names: [String]
        if case .sequence(let seq) = node {
            guard !seq.isEmpty else { throw error(path, node, "is an empty list of settings") }
            names = try seq.enumerated().map { i, item in try word(item, path: "\(path)[\(i)]") }
        } else {
            names = try word(node, path: path).split(separator: "+").map(String.init)
        }
        guard !names.isEmpty else { throw error(path, node, "is empty: give a setting name (or several joined by '+')") }
        for name in names { _ = try parameter(name, node: node, path: path) }
        return StudySpec.SettingLabel(names)
    }

    func table(_ node: Node, path: String) throws -> StudySpec.Table {
        let m = try mapping(node, path: path, keys: ["rows", "columns", "metric", "caption", "decimals", "percent", "where", "confidence", "control", "epochs", "correction"])
        guard let rows = m["rows"] else { throw error(path, node, "needs 'rows' (a setting name)") }
        let decimals = try m["decimals"].map { n -> Int in
            guard let d = int(n), (0...8).contains(d) else { throw error("\(path).decimals", n, "must be an integer in 0…8") }
            return d
        } ?? 2
        let (epochs, variantEpochs) = try epochsByVariant(m["epochs"], path: "\(path).epochs")
        if epochs != nil, let columns = m["columns"] { throw error("\(path).columns", columns, "a table with epochs has the epochs as its columns") }
        if epochs != nil, let control = m["control"] { throw error("\(path).control", control, "paired comparisons apply to tables of final metrics, not to a table with epochs") }
        var table = StudySpec.Table(
            rows: try settingName(rows, path: "\(path).rows"),
            columns: try m["columns"].map { try settingName($0, path: "\(path).columns") },
            metric: try metric(m["metric"], path: "\(path).metric", known: epochs == nil ? RunMetrics.known : RunMetrics.perEpoch),
            caption: try m["caption"].map { try word($0, path: "\(path).caption") },
            decimals: decimals, percent: try flag(m["percent"], path: "\(path).percent", default: false),
            filter: try m["where"].map { try settings($0, path: "\(path).where") } ?? [:],
            confidence: try m["confidence"].map { n -> Double in
                guard let level = double(n), level > 0, level < 1 else {
                    throw error("\(path).confidence", n, "must be a level strictly between 0 and 1 (0.95 for 95 %)")
                }
                return level
            },
            control: try m["control"].map { n in
                let control = try settings(n, path: "\(path).control")
                guard !control.isEmpty else { throw error("\(path).control", n, "is empty: name the control's settings, e.g. {scorer: random}") }
                return control
            })
        table.epochs = epochs
        table.variantEpochs = variantEpochs
        if let node = m["correction"] {
            let name = try word(node, path: "\(path).correction")
            guard let correction = StudySpec.PValueCorrection(rawValue: name) else {
                let known = StudySpec.PValueCorrection.allCases.map(\.rawValue).joined(separator: ", ")
                throw error("\(path).correction", node, "unknown correction '\(name)' (known: \(known))")
            }
            guard table.control != nil else { throw error("\(path).correction", node, "corrects the paired comparisons of a table with a control; give control too") }
            table.correction = correction
        }
        return table
    }

    /// An `epochs` key: a list, or a mapping of variant → list with a `default` (the default
    /// budget's list); (nil, [:]) when absent.
    func epochsByVariant(_ node: Node?, path: String) throws -> (epochs: [Int]?, byVariant: [String: [Int]]) {
        guard let node else { return (nil, [:]) }
        guard case .mapping(let byVariant) = node else { return (try epochList(node, path: path), [:]) }
        var epochs: [Int]?, others = [String: [Int]]()
        for (keyNode, listNode) in byVariant {
            let variant = try word(keyNode, path: path)
            let list = try epochList(listNode, path: "\(path).\(variant)")
            if variant == "default" { epochs = list } else { others[variant] = list }
        }
        guard epochs != nil else { throw error(path, node, "needs a 'default' list (the default budget's epochs) beside the variants'") }
        return (epochs, others)
    }

    /// A non-empty list of 1-based epoch numbers.
    func epochList(_ node: Node, path: String) throws -> [Int] {
        guard case .sequence(let seq) = node, !seq.isEmpty else {
            throw error(path, node, "must be a non-empty list of epochs (1-based), or a mapping of variant → list with a 'default'")
        }
        return try seq.enumerated().map { i, item in
            guard let e = int(item), e >= 1 else { throw error("\(path)[\(i)]", item, "must be an epoch number ≥ 1") }
            return e
        }
    }

    func flag(_ node: Node?, path: String, default value: Bool) throws -> Bool {
        guard let node else { return value }
        guard node.tag == Tag(.bool), let b = node.bool else { throw error(path, node, "must be true or false") }
        return b
    }

    func plot(_ node: Node, path: String) throws -> StudySpec.Plot {
        let m = try mapping(node, path: path, keys: [
            "kind", "x", "series", "metric", "title", "x-label", "y-label", "log-x", "percent", "where", "error-bars", "x-metric", "epochs",
        ])
        guard let kindNode = m["kind"] else { throw error(path, node, "needs 'kind' (\(StudySpec.Plot.Kind.allCases.map(\.rawValue).joined(separator: ", ")))") }
        let kindName = try word(kindNode, path: "\(path).kind")
        guard let kind = StudySpec.Plot.Kind(rawValue: kindName) else {
            throw error("\(path).kind", kindNode, "unknown plot kind '\(kindName)' (known: \(StudySpec.Plot.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let x = try m["x"].map { try settingName($0, path: "\(path).x") }
        if (kind == .lines || kind == .bars) && x == nil { throw error(path, node, "a \(kind.rawValue) plot needs 'x' (a setting name)") }
        let known: [String]
        switch kind {
        case .lines, .bars: known = RunMetrics.known
        case .epochs, .trajectory: known = RunMetrics.perEpoch
        case .layers: known = RunMetrics.perLayer
        case .distribution: known = RunMetrics.distributions
        }
        let (epochs, variantEpochs) = try epochsByVariant(m["epochs"], path: "\(path).epochs")
        if kind == .distribution && epochs == nil { throw error(path, node, "a distribution plot needs 'epochs' (the epochs whose distributions it draws)") }
        if kind != .distribution, let n = m["epochs"] { throw error("\(path).epochs", n, "only a distribution plot lists epochs") }
        if kind == .distribution, let n = m["x"] { throw error("\(path).x", n, "a distribution plot's x axis is the metric's value") }
        let xMetric = try m["x-metric"].map { try metric($0, path: "\(path).x-metric", known: RunMetrics.perEpoch) }
        if kind == .trajectory && xMetric == nil { throw error(path, node, "a trajectory plot needs 'x-metric' (a per-epoch metric)") }
        if kind != .trajectory, let n = m["x-metric"] { throw error("\(path).x-metric", n, "only a trajectory plot has an x-metric") }
        var plot = StudySpec.Plot(
            kind: kind, x: x, series: try m["series"].map { try settingName($0, path: "\(path).series") },
            metric: try metric(m["metric"], path: "\(path).metric", known: known),
            title: try m["title"].map { try word($0, path: "\(path).title") },
            xLabel: try m["x-label"].map { try word($0, path: "\(path).x-label") },
            yLabel: try m["y-label"].map { try word($0, path: "\(path).y-label") },
            logX: try flag(m["log-x"], path: "\(path).log-x", default: false),
            percent: try flag(m["percent"], path: "\(path).percent", default: false),
            filter: try m["where"].map { try settings($0, path: "\(path).where") } ?? [:],
            errorBars: try m["error-bars"].map { n in
                let name = try word(n, path: "\(path).error-bars")
                guard let bars = StudySpec.ErrorBars(rawValue: name) else {
                    throw error("\(path).error-bars", n, "unknown error bars '\(name)' (known: std, ci95)")
                }
                return bars
            } ?? .std)
        plot.xMetric = xMetric
        plot.epochs = epochs
        plot.variantEpochs = variantEpochs
        return plot
    }
}
