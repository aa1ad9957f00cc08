/// How a model expects its input to be prepared from a data set's values (pixels in [0, 1]),
/// recorded with the model (a checkpoint's metadata, an ONNX model's `metadata_props`, key
/// `preprocessing`) so that `evaluate` and `finetune` feed it what it was trained on.
///
/// - `standardization`: every feature `(x − mean_j) / std_j` with the training split's
///   statistics (`Standardization`) — what graphprune's own models are trained with, and what a
///   checkpoint without the key means.
/// - `normalization`: every channel `(scale · x − mean_c) / std_c` — torchvision's
///   `ToTensor()` then `Normalize(mean, std)` is `scale` 1; a model trained on 0…255 pixels has
///   `scale` 255. One mean or std applies to every channel.
public enum InputPreprocessing: Equatable, Sendable {
    case standardization
    case normalization(scale: Double, mean: [Double], std: [Double])

    /// The metadata key.
    public static let metadataKey = "preprocessing"

    /// `standardize`, or `scale=S mean=M1,M2,… std=S1,S2,…`.
    public var metadataValue: String {
        switch self {
        case .standardization: return "standardize"
        case .normalization(let scale, let mean, let std):
            func list(_ v: [Double]) -> String { v.map { "\($0)" }.joined(separator: ",") }
            return "scale=\(scale) mean=\(list(mean)) std=\(list(std))"
        }
    }

    /// Parses `metadataValue`'s form (and `standardize(train mean, train std)`, what `train`
    /// recorded before 0.7).
    /// - Throws: a one-line description of what is malformed.
    public init(metadataValue text: String) throws(InputPreprocessingError) {
        if text == "standardize" || text == "standardize(train mean, train std)" {
            self = .standardization
            return
        }
        var fields = [String: [Double]]()
        for part in text.split(separator: " ") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw InputPreprocessingError("'\(part)' is not key=value") }
            let values = pair[1].split(separator: ",").compactMap { Double($0) }
            guard !values.isEmpty, values.count == pair[1].split(separator: ",").count else {
                throw InputPreprocessingError("'\(part)' does not list numbers")
            }
            fields[String(pair[0])] = values
        }
        guard Set(fields.keys) == ["scale", "mean", "std"], fields["scale"]!.count == 1 else {
            throw InputPreprocessingError("'\(text)' is neither 'standardize' nor 'scale=S mean=M,… std=S,…'")
        }
        try self.init(scale: fields["scale"]![0], mean: fields["mean"]!, std: fields["std"]!)
    }

    /// A checked normalisation: finite scale and means, positive finite stds, and the Float
    /// factors it computes with — `scale / std_c` nonzero, both it and `mean_c / std_c` finite —
    /// so that no input becomes 0, ∞ or NaN.
    public init(scale: Double, mean: [Double], std: [Double]) throws(InputPreprocessingError) {
        guard scale.isFinite, scale != 0 else { throw InputPreprocessingError("scale \(scale) must be finite and nonzero") }
        guard !mean.isEmpty, mean.allSatisfy(\.isFinite) else { throw InputPreprocessingError("means \(mean) must be finite") }
        guard !std.isEmpty, std.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw InputPreprocessingError("standard deviations \(std) must be positive") }
        for s in std {
            let factor = Float(scale / s)
            guard factor.isFinite, factor != 0, factor.isNormal else {
                throw InputPreprocessingError("scale \(scale) / std \(s) is not a usable Float factor (0, subnormal or infinite)")
            }
            for m in mean where !Float(m / s).isFinite {
                throw InputPreprocessingError("mean \(m) / std \(s) overflows a Float")
            }
        }
        self = .normalization(scale: scale, mean: mean, std: std)
    }

    /// Prepares both parts of `split` (values as loaded, in [0, 1]) for a model.
    /// - Throws: when a mean or std list has neither one entry nor one per channel.
    public func apply(to split: inout DataSplit) throws(InputPreprocessingError) {
        switch self {
        case .standardization:
            let standardization = Standardization(fitting: split.train)
            standardization.apply(to: &split.train)
            standardization.apply(to: &split.test)
        case .normalization(let scale, let mean, let std):
            let (channels, area) = split.train.shape.channelLayout
            for values in [mean, std] where values.count != 1 && values.count != channels {
                throw InputPreprocessingError("\(values.count) values for \(channels) channels (give 1 or \(channels))")
            }
            let a = (0..<channels).map { Float(scale / std[std.count == 1 ? 0 : $0]) }
            let b = (0..<channels).map { Float(-mean[mean.count == 1 ? 0 : $0] / std[std.count == 1 ? 0 : $0]) }
            func normalize(_ data: inout LabeledData) {
                let planes = data.count * channels
                data.features.elements.withUnsafeMutableBufferPointer { x in
                    for plane in 0..<planes {
                        let c = plane % channels
                        for p in (plane * area)..<((plane + 1) * area) { x[p] = a[c] * x[p] + b[c] }
                    }
                }
            }
            normalize(&split.train)
            normalize(&split.test)
        }
    }
}

/// A preprocessing that cannot be read or applied.
public struct InputPreprocessingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
