/// The settings a study can give a run: every parameter's name (the YAML key), type, default,
/// allowed values and the procedures it applies to.
///
/// A run's resolved settings keep only the parameters that apply to its procedure, and whose
/// `readWhen` requirements its other settings meet (τ is read only by the graph scorers);
/// the non-default ones are what its hash covers (`RunSettings.hash`). So a new parameter with
/// a default leaves existing hashes unchanged, and a grid crossing procedures (SET ×
/// `censet-k`) or scorers (random × τ) resolves the cells that cannot differ to one run.
public struct StudyParameter: Sendable {
    public enum Kind: Sendable {
        case integer(minimum: Int)
        case number(minimum: Double, maximum: Double, includesMinimum: Bool, includesMaximum: Bool)
        case word(allowed: [String]?)
        case flag
        case integers
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: SettingValue
    /// Procedures it applies to; nil = every procedure.
    public let procedures: Set<String>?
    public let help: String
    /// Conditions on other word settings, all of which must hold for the run to read it.
    public var readWhen: [Requirement] = []

    /// "`setting` is (not) one of `values`", on a run's resolved settings.
    public struct Requirement: Sendable {
        public let setting: String
        public let values: Set<String>
        public let negated: Bool

        public static func setting(_ name: String, is values: Set<String>) -> Requirement {
            Requirement(setting: name, values: values, negated: false)
        }
        public static func setting(_ name: String, isNot values: Set<String>) -> Requirement {
            Requirement(setting: name, values: values, negated: true)
        }

        func holds(in resolved: [String: SettingValue]) -> Bool {
            guard case .word(let w)? = resolved[setting] else { return false }
            return values.contains(w) != negated
        }

        public var description: String {
            "\(setting) \(negated ? "≠" : "=") \(values.sorted().map { $0.isEmpty ? "(none)" : $0 }.joined(separator: " or "))"
        }
    }

    /// This parameter, read only when `requirements` hold.
    func readOnly(when requirements: Requirement...) -> StudyParameter {
        var copy = self
        copy.readWhen = requirements
        return copy
    }

    /// Checks one value, returning it normalised (an integer given for a number becomes a
    /// number); the message says what was expected.
    public func check(_ value: SettingValue) -> Result<SettingValue, StudyParameterError> {
        switch (kind, value) {
        case let (.integer(minimum), .integer(i)):
            return i >= minimum ? .success(value) : .failure(.init("must be an integer ≥ \(minimum), got \(i)"))
        case let (.number(lo, hi, includesLo, includesHi), _):
            guard let x = value.doubleValue, x.isFinite else { return .failure(.init("must be a number, got \(value)")) }
            let lowOK = includesLo ? x >= lo : x > lo
            let highOK = includesHi ? x <= hi : x < hi
            guard lowOK && highOK else {
                let range = "\(includesLo ? "[" : "(")\(lo.description), \(hi.description)\(includesHi ? "]" : ")")"
                return .failure(.init("must lie in \(range), got \(x.description)"))
            }
            return .success(.number(x))
        case let (.word(allowed), .word(w)):
            if let allowed, !allowed.contains(w) {
                return .failure(.init("unknown value '\(w)' (known: \(allowed.joined(separator: ", ")))"))
            }
            return .success(value)
        case (.flag, .flag), (.integers, .integers):
            return .success(value)
        case (.integers, .integer(let i)):
            return .success(.integers([i]))
        default:
            return .failure(.init("must be \(kindName), got \(value)"))
        }
    }

    var kindName: String {
        switch kind {
        case .integer: "an integer"
        case .number: "a number"
        case .word(let allowed): allowed.map { "one of \($0.joined(separator: ", "))" } ?? "a word"
        case .flag: "true or false"
        case .integers: "a list of integers"
        }
    }

    func applies(to procedure: String) -> Bool { procedures?.contains(procedure) ?? true }
}

public struct StudyParameterError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
