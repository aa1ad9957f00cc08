/// A study: what to run (settings, axes, seeds) and how to report it (tables, plots), read from
/// one YAML file in `Methods/` (`StudySpec.parse`, the format documented there).
///
/// The runs are the product of the axes (in file order, the last axis varying fastest) times
/// the seeds, plus the extra `cells`; `overrides` then change the settings of the cells they
/// match. See `StudyGrid`.
public struct StudySpec: Sendable {
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var values: [SettingValue]
    }

    /// Settings to change in every cell whose settings match `when` (all of its entries).
    public struct Override: Sendable, Equatable {
        public var when: [String: SettingValue]
        public var set: [String: SettingValue]
    }

    /// A paper-style table: one row per value of `rows`, one column per value of `columns` (or a
    /// single column), cells = `metric` as mean ± std (n) over seeds. `where` keeps the runs
    /// whose settings match.
    /// The setting or settings whose values label a table's rows or columns, or a plot's x
    /// positions or series: one name, or several (`[procedure, scorer, method]`, or in YAML
    /// `procedure+scorer+method`) whose applicable values together make the label.
    public struct SettingLabel: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var names: [String]
        public init(_ names: [String]) {
            precondition(!names.isEmpty, "a label needs a setting")
            self.names = names
        }
        /// The names joined by " / ", for a header or an axis.
        public var description: String { names.joined(separator: " / ") }
    }

    public struct Table: Sendable, Equatable {
        public var rows: SettingLabel
        public var columns: SettingLabel?
        public var metric: String
        public var caption: String?
        public var decimals: Int
        /// Shows a fraction (accuracy) as a percentage.
        public var percent: Bool
        public var filter: [String: SettingValue]
        /// If set (0.95 for 95 %), every cell also shows the Student-t confidence interval of
        /// its mean, and a `control` table its interval at this level (default 0.95).
        public var confidence: Double?
        /// The runs every other row is compared with, seed by seed (`{scorer: random}`): the
        /// report adds a table of paired differences (`StudyReport.pairedTable`).
        public var control: [String: SettingValue]?
        /// With a control: adjust the paired table's p-values for its number of comparisons;
        /// nil = each cell tested on its own.
        public var correction: PValueCorrection? = nil
        /// If set, the columns are these epochs (1-based, over all training phases in order) and
        /// the metric a per-epoch one (`RunMetrics.perEpoch`): paper 003's Tables 9–10.
        public var epochs: [Int]? = nil
        /// Other epochs for a variant's report (`epochs: {default: [1, 5, 40], full: [25, 50, …]}`):
        /// a variant that trains longer shows later epochs.
        public var variantEpochs: [String: [Int]] = [:]

        /// The epoch columns of `variant`'s report (nil: a table of final metrics).
        public func epochs(variant: String?) -> [Int]? {
            variant.flatMap { variantEpochs[$0] } ?? epochs
        }
    }

    public struct Plot: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// metric vs a numeric setting (`x`), one line per value of `series`, error bars.
            case lines
            /// metric per value of a categorical setting (`x`), bars grouped by `series`.
            case bars
            /// a per-epoch metric (`test_accuracy`, `connections`, `lc_std`, …) vs epoch.
            case epochs
            /// a per-layer metric (`lambda2_after`, `lambda2_before`, `kept`) vs layer.
            case layers
            /// a per-epoch metric against another (`x-metric`): one point per epoch at the
            /// means over seeds (paper 003's Fig. 5, accuracy vs Laplacian centrality).
            case trajectory
            /// the distribution function of a per-epoch distribution (`net_lc`: the neurons'
            /// Laplacian centrality) after each of `epochs`, one line per epoch (paper 003's
            /// Fig. 8), from the stored quantiles averaged over seeds.
            case distribution
        }
        public var kind: Kind
        public var x: SettingLabel?
        public var series: SettingLabel?
        public var metric: String
        public var title: String?
        public var xLabel: String?
        public var yLabel: String?
        public var logX: Bool
        public var percent: Bool
        public var filter: [String: SettingValue]
        /// What the error bars of `lines`, `bars`, `epochs` and `layers` plots show.
        public var errorBars: ErrorBars
        /// The per-epoch metric on the x axis of a `trajectory` plot.
        public var xMetric: String? = nil
        /// The epochs (1-based, over all training phases) a `distribution` plot draws, and
        /// other epochs for a variant's report.
        public var epochs: [Int]? = nil
        public var variantEpochs: [String: [Int]] = [:]

        /// The epochs a `distribution` plot draws in `variant`'s report.
        public func epochs(variant: String?) -> [Int] {
            variant.flatMap { variantEpochs[$0] } ?? epochs ?? []
        }
    }

    /// How a paired table's p-values are adjusted for testing its cells together.
    public enum PValueCorrection: String, Sendable, CaseIterable {
        /// Holm's step-down adjustment (`HolmCorrection`).
        case holm
    }

    /// A plot's error bars: ± one sample standard deviation (the spread of the runs), or the
    /// 95 % Student-t confidence interval of the mean (where the mean is likely to lie).
    public enum ErrorBars: String, Sendable, CaseIterable {
        case std
        case ci95

        /// The sentence the report prints under such a plot.
        public var meaning: String {
            switch self {
            case .std: return "± one sample standard deviation"
            case .ci95: return "the 95 % confidence interval of the mean (Student t over seeds)"
            }
        }
    }

    public var name: String
    public var caption: String
    public var description: String
    public var settings: [String: SettingValue]
    public var axes: [Axis]
    public var seeds: [UInt64]
    public var cells: [[String: SettingValue]]
    public var overrides: [Override]
    public var tables: [Table]
    public var plots: [Plot]
    /// Named variants of the study, each a set of settings applied over `settings` when a run
    /// or report names it (`--variant NAME`): `full` is the papers' budgets (the file's `full:`,
    /// selected by `--full`), others what a study offers besides, e.g. `cifar10`.
    public var variants: [String: [String: SettingValue]]
    /// The directory of the study's runs (from the working directory), where `run` stores and
    /// `report` reads them unless `--results` says otherwise; `nil` = `RunStore.defaultDirectory`.
    /// The shipped studies keep theirs in `Reports/runs/NAME`, committed: the reports' data.
    public var results: String? = nil

    /// The settings every run of `variant` starts from (`nil`: the study's default budget).
    /// - Precondition: `variant` is nil or one of `variants` (`requireVariant` checks it).
    public func settings(variant: String?) -> [String: SettingValue] {
        guard let variant else { return settings }
        guard let extra = variants[variant] else { preconditionFailure("unknown variant \(variant)") }
        return settings.merging(extra) { _, new in new }
    }

    /// The variant name a command line gave, checked: `nil` stays the default budget.
    /// - Throws: `StudySpecError` naming the variant and the study's variants.
    public func requireVariant(_ variant: String?, file: String) throws(StudySpecError) {
        guard let variant, variants[variant] == nil else { return }
        let known = variants.keys.sorted()
        throw StudySpecError(file: file, path: "variants", line: nil, reason: known.isEmpty
            ? "has no variant '\(variant)' (the study defines none)"
            : "has no variant '\(variant)' (known: \(known.joined(separator: ", ")))")
    }

    /// Where the runs are: `option` (`--results`) if given, else the study's `results`, else
    /// `RunStore.defaultDirectory`.
    public func resultsDirectory(option: String?) -> String {
        option ?? results ?? RunStore.defaultDirectory
    }

    /// The most runs (cells × seeds) a study may plan unless its file states `max-runs`: the
    /// grid's size is computed, in checked arithmetic, before it is expanded.
    public static let defaultMaxRuns = 100_000
    /// What one planned run costs to hold while a study is planned or reported (its given and
    /// resolved settings, canonical form and hash), bounded from above.
    public static let bytesPerPlannedRun = 16 * 1024
}

/// A study file problem: the file, the key path inside it (`axes.scorer[2]`), the line when
/// known, and the reason.
public struct StudySpecError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let path: String
    public let line: Int?
    public let reason: String

    public var description: String {
        let location = path.isEmpty ? "" : " \(path)"
        let at = line.map { " (line \($0))" } ?? ""
        return "\(file):\(location)\(at): \(reason)"
    }
}
