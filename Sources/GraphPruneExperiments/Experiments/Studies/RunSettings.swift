import GraphPruneIO

/// The fully resolved settings of one run: every parameter that applies to its procedure and
/// that the run reads (`StudyParameter.readWhen`: τ only for the graph scorers, nothing of the
/// pruning for the scorer `none`, SNIP's options only for SNIP), with the study's values over
/// the defaults, and the seed.
///
/// `canonical` — the non-default applicable settings and the seed as one JSON object with
/// sorted keys — is what the run's `hash` (SHA-256, the first 16 hex digits) covers: the
/// defaults are left out, so adding a parameter with a default later keeps every existing hash
/// (as OpenLTH names its runs).
public struct RunSettings: Hashable, Sendable {
    public let values: [String: SettingValue]
    public let seed: UInt64

    /// Resolves `given` (name → value, already type-checked) for the procedure it names.
    public init(given: [String: SettingValue], seed: UInt64) {
        let procedure: String
        if case .word(let p)? = given["procedure"] { procedure = p } else { procedure = "train" }
        var values = [String: SettingValue]()
        for p in StudyParameters.all where p.applies(to: procedure) {
            values[p.name] = given[p.name] ?? p.defaultValue
        }
        // Settings the run never reads (τ for the random scorer, SNIP's batches for SynFlow) do
        // not tell runs apart: requirements are checked on the values before any is dropped.
        let resolved = values
        for p in StudyParameters.all where values[p.name] != nil && !p.readWhen.allSatisfy({ $0.holds(in: resolved) }) {
            values[p.name] = nil
        }
        self.values = values
        self.seed = seed
    }

    public var procedure: String { word("procedure") }

    /// The non-default settings (the ones a report shows to tell runs apart), sorted by name.
    public var nonDefault: [(name: String, value: SettingValue)] {
        values.filter { StudyParameters.byName[$0.key]?.defaultValue != $0.value }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public var canonical: String {
        let members = nonDefault.map { "\(jsonString($0.name)):\($0.value.canonical)" }
            + ["\"seed\":\(seed)"]
        return "{" + members.sorted().joined(separator: ",") + "}"
    }

    public var hash: String { String(SHA256.hex(canonical).prefix(16)) }

    /// The value of a parameter that applies to this run (a programming error otherwise).
    public subscript(name: String) -> SettingValue {
        guard let v = values[name] else { preconditionFailure("setting '\(name)' does not apply to procedure \(procedure)") }
        return v
    }

    public func word(_ name: String) -> String {
        guard case .word(let w) = self[name] else { preconditionFailure("setting '\(name)' is not a word") }
        return w
    }
    public func integer(_ name: String) -> Int {
        guard case .integer(let i) = self[name] else { preconditionFailure("setting '\(name)' is not an integer") }
        return i
    }
    public func number(_ name: String) -> Double {
        guard let x = self[name].doubleValue else { preconditionFailure("setting '\(name)' is not a number") }
        return x
    }
    public func flag(_ name: String) -> Bool {
        guard case .flag(let b) = self[name] else { preconditionFailure("setting '\(name)' is not a flag") }
        return b
    }
    public func integers(_ name: String) -> [Int] {
        guard case .integers(let list) = self[name] else { preconditionFailure("setting '\(name)' is not a list") }
        return list
    }
}
