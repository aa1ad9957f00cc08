import Foundation

/// A network described by value, so that a checkpoint records it and a pruned model can be
/// rebuilt with other widths: the input size and a list of layer specs, applied in order.
///
/// The MLP shorthand `784-256-128-100-10` means Dense 784→256, activation, dropout, Dense
/// 256→128, …, Dense 100→10 (no activation or dropout after the last layer: it gives logits).
public struct Architecture: Codable, Equatable, Sendable {
    public enum LayerSpec: Codable, Equatable, Sendable {
        case dense(outputs: Int)
        case relu
        case dropout(rate: Double)
    }

    public var inputSize: Int
    public var layers: [LayerSpec]

    public init(inputSize: Int, layers: [LayerSpec]) {
        self.inputSize = inputSize
        self.layers = layers
    }

    /// Parses the MLP shorthand. `dropout` 0 adds no dropout layers.
    public static func multilayerPerceptron(_ spec: String, dropout: Double = 0) throws -> Architecture {
        let widths = spec.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.count >= 2, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ArchitectureError("'\(spec)' is not an MLP spec like 784-256-128-100-10 (at least two positive widths)")
        }
        guard dropout >= 0 && dropout < 1 else { throw ArchitectureError("dropout \(dropout) is outside [0, 1)") }
        var layers = [LayerSpec]()
        for (k, width) in widths.dropFirst().enumerated() {
            layers.append(.dense(outputs: width!))
            if k < widths.count - 2 {
                layers.append(.relu)
                if dropout > 0 { layers.append(.dropout(rate: dropout)) }
            }
        }
        return Architecture(inputSize: widths[0]!, layers: layers)
    }

    /// Feature counts at every boundary: `sizes[0]` = inputs, `sizes[i + 1]` = after layer `i`.
    public var sizes: [Int] {
        var sizes = [inputSize]
        for layer in layers {
            if case .dense(let outputs) = layer { sizes.append(outputs) } else { sizes.append(sizes.last!) }
        }
        return sizes
    }

    /// The widths of the Dense layers, e.g. `784-256-128-100-10`.
    public var summary: String {
        ([inputSize] + layers.compactMap { if case .dense(let o) = $0 { return o } else { return nil } })
            .map(String.init).joined(separator: "-")
    }

    /// The JSON stored in a checkpoint's metadata.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func fromJSON(_ text: String, name: String) throws -> Architecture {
        do {
            return try JSONDecoder().decode(Architecture.self, from: Data(text.utf8))
        } catch {
            throw FileFormatError(file: name, problem: "metadata 'architecture' is not a valid architecture: \(error)")
        }
    }
}

public struct ArchitectureError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
