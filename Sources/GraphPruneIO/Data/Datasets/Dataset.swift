import Foundation

/// The data sets, by the names the CLI and study files give them (`fashion-mnist`, `cifar10`,
/// `synthetic`), loaded and standardised per feature with the training split's mean and std (as
/// the CenSET code does).
public enum Dataset: String, CaseIterable, Codable, Sendable {
    case fashionMNIST = "fashion-mnist"
    case cifar10
    /// A seeded Gaussian-cluster set for quick checks (`SyntheticClassification.make`'s default).
    case synthetic

    /// The data set called `name`.
    /// - Throws: `DatasetNameError` listing the known names.
    public init(named name: String) throws {
        guard let dataset = Dataset(rawValue: name) else { throw DatasetNameError(name: name) }
        self = dataset
    }

    /// - Parameters:
    ///   - directory: where the files are (nil: FashionMNIST's Debian directory; CIFAR-10 needs one).
    ///   - seed: the synthetic set's seed (ignored by the real data sets).
    ///   - trainSamples: keep only the first N training samples (0 = all), before standardising.
    ///   - preprocessing: what the model expects (per-feature standardisation by default).
    public func load(
        directory: String?, seed: UInt64, trainSamples: Int = 0, preprocessing: InputPreprocessing = .standardization
    ) throws -> DataSplit {
        var split: DataSplit
        switch self {
        case .fashionMNIST:
            split = try FashionMNIST.load(directory: directory.map { URL(fileURLWithPath: $0) } ?? FashionMNIST.defaultDirectory)
        case .cifar10:
            guard let directory else {
                throw DatasetMissingError(
                    dataset: "CIFAR-10", directory: "(none given)", expectedFiles: ["data_batch_1.bin … data_batch_5.bin", "test_batch.bin"],
                    missingFiles: [], remedy: "give the directory of the CIFAR-10 binary version with --data-dir")
            }
            split = try CIFAR10.load(directory: URL(fileURLWithPath: directory))
        case .synthetic:
            split = SyntheticClassification.make(seed: seed)
        }
        if trainSamples > 0 && trainSamples < split.train.count {
            split.train = split.train.selecting(Array(0..<trainSamples))
        }
        try preprocessing.apply(to: &split)
        return split
    }

    /// The shape of one sample, known without loading the data.
    public var inputShape: ImageShape {
        switch self {
        case .fashionMNIST: ImageShape(channels: 1, height: 28, width: 28)
        case .cifar10: CIFAR10.shape
        case .synthetic: ImageShape.vector(SyntheticClassification.defaultFeatures)
        }
    }

    /// The number of classes, known without loading the data.
    public var classCount: Int {
        switch self {
        case .fashionMNIST, .cifar10: 10
        case .synthetic: SyntheticClassification.defaultClasses
        }
    }
}

/// A data set name that is not one of `Dataset`'s.
public struct DatasetNameError: Error, CustomStringConvertible, Equatable {
    public let name: String
    public var description: String {
        "unknown data set '\(name)' (known: \(Dataset.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
