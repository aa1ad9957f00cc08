import GraphPruneIO

/// One setting of a run: a number, an integer, a word, a flag or a list of integers, as a study
/// file gives it after its parameter's type has been checked.
///
/// `canonical` is the text that enters a run's hash: integers in decimal, numbers by Swift's
/// shortest round-trip rendering (`0.5`, `1.0`, `1e-05`), words as JSON strings, so the same
/// value always gives the same text whatever way the YAML wrote it (`0.50`, `5e-1`).
public enum SettingValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case word(String)
    case flag(Bool)
    case integers([Int])

    public var canonical: String {
        switch self {
        case .integer(let i): return String(i)
        case .number(let x): return x.description
        case .word(let s): return jsonString(s)
        case .flag(let b): return b ? "true" : "false"
        case .integers(let list): return "[" + list.map(String.init).joined(separator: ",") + "]"
        }
    }

    /// How a report shows the value (words without quotes, lists as `0-4` ranges when contiguous).
    public var description: String {
        switch self {
        case .word(let s): return s
        case .integers(let list):
            if list.count > 2, zip(list, list.dropFirst()).allSatisfy({ $1 == $0 + 1 }) {
                return "\(list.first!)-\(list.last!)"
            }
            return list.map(String.init).joined(separator: ",")
        default: return canonical
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let x): return x
        default: return nil
        }
    }
}
