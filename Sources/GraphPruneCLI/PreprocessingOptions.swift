import ArgumentParser
import Foundation
import GraphPruneIO
import GraphPruneInterchange

/// The input preprocessing of a model fed from a data set (`InputPreprocessing`): given here
/// when a model is first used (an imported ONNX model records none), then recorded in what the
/// command writes.
struct PreprocessingOptions: ParsableArguments {
    @Option(help: "Multiply the data's values (pixels in [0, 1]) by this before --input-mean and --input-std (255 for a model trained on 0…255 pixels).")
    var inputScale: String?

    @Option(help: "Subtract these means per channel: one value, or one per channel, comma-separated (FashionMNIST: 0.2860; ImageNet: 0.485,0.456,0.406).")
    var inputMean: String?

    @Option(help: "Then divide by these standard deviations per channel (FashionMNIST: 0.3530; ImageNet: 0.229,0.224,0.225).")
    var inputStd: String?

    @Flag(help: "Standardise every feature with the training split's mean and std (how graphprune's own models are trained).")
    var inputStandardize = false

    /// Whether any of the options is given.
    var isGiven: Bool { inputStandardize || inputScale != nil || inputMean != nil || inputStd != nil }

    /// What to feed `model`: these options when given (and then recorded in `metadata`), else
    /// the model's record, else — for a graphprune checkpoint, which predates the record — the
    /// per-feature standardisation it was trained with.
    /// - Throws: `OptionError` when an ONNX model records nothing and no option says.
    func resolve(model: String, metadata: inout [String: String]) throws -> InputPreprocessing {
        let normalizing = inputScale != nil || inputMean != nil || inputStd != nil
        if inputStandardize && normalizing {
            throw OptionError("--input-standardize", "contradicts --input-scale, --input-mean and --input-std")
        }
        var chosen: InputPreprocessing?
        if inputStandardize { chosen = .standardization }
        if normalizing {
            func numbers(_ text: String?, _ option: String, default value: Double) throws -> [Double] {
                guard let text else { return [value] }
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                // Decimal numbers only (Double() would also read 0x10, nan and inf).
                let decimal = Set("0123456789+-.eE")
                let values = parts.filter { !$0.isEmpty && $0.allSatisfy(decimal.contains) }.compactMap { Double($0) }
                guard !values.isEmpty, values.count == parts.count else { throw OptionError(option, "'\(text)' is not a comma-separated list of numbers") }
                return values
            }
            do {
                let scale = try numbers(inputScale, "--input-scale", default: 1)
                guard scale.count == 1 else { throw OptionError("--input-scale", "'\(inputScale!)' is not one number") }
                chosen = try InputPreprocessing(
                    scale: scale[0], mean: try numbers(inputMean, "--input-mean", default: 0), std: try numbers(inputStd, "--input-std", default: 1))
            } catch let error as InputPreprocessingError { throw OptionError("--input-mean/--input-std/--input-scale", error.description) }
        }
        if let chosen {
            metadata[InputPreprocessing.metadataKey] = chosen.metadataValue
            return chosen
        }
        if let recorded = metadata[InputPreprocessing.metadataKey] {
            do { return try InputPreprocessing(metadataValue: recorded) } catch {
                throw OptionError("--model", "\(model): metadata '\(InputPreprocessing.metadataKey)': \(error)")
            }
        }
        guard ModelFile.format(of: .init(fileURLWithPath: model)) == .checkpoint else {
            throw OptionError("--model", "\(model) records no input preprocessing: say what the model was trained on with --input-mean and --input-std (per channel, on values in [0, 1]; --input-scale 255 for 0…255 pixels) or --input-standardize")
        }
        return .standardization
    }
}
