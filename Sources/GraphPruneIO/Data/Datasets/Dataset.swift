import Foundation

/// The data sets, by the names the CLI and study files give them (`fashion-mnist`, `cifar10`,
/// `synthetic`, `npy`), loaded and standardised per feature with the training split's mean and
/// std (as the CenSET code does) or prepared as a model's `InputPreprocessing` says.
public enum Dataset: String, CaseIterable, Codable, Sendable {
    case fashionMNIST = "fashion-mnist"
    case cifar10
    /// A seeded Gaussian-cluster set for quick checks (`SyntheticClassification.make`'s default).
    case synthetic
    /// Your own data: four `.npy` files in the data directory (`NumPyDataset`).
    case npy

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
        case .npy:
            split = try NumPyDataset.load(directory: try Self.npyDirectory(directory))
        }
        if trainSamples > 0 && trainSamples < split.train.count {
            split.train = split.train.selecting(Array(0..<trainSamples))
        }
        try preprocessing.apply(to: &split)
        return split
    }

    /// The shape of one sample and the number of classes, known without loading the data (an
    /// `npy` set reads its files' headers and labels from `directory`).
    public func shape(directory: String?) throws -> (input: ImageShape, classes: Int) {
        switch self {
        case .fashionMNIST: (ImageShape(channels: 1, height: 28, width: 28), 10)
        case .cifar10: (CIFAR10.shape, 10)
        case .synthetic: (ImageShape.vector(SyntheticClassification.defaultFeatures), SyntheticClassification.defaultClasses)
        case .npy: try NumPyDataset.shape(directory: try Self.npyDirectory(directory))
        }
    }

    private static func npyDirectory(_ directory: String?) throws -> URL {
        guard let directory else {
            throw DatasetMissingError(
                dataset: "npy data set", directory: "(none given)", expectedFiles: NumPyDataset.files, missingFiles: [],
                remedy: "give the directory holding them with --data-dir")
        }
        return URL(fileURLWithPath: directory)
    }
}

/// A data set name that is not one of `Dataset`'s.
public struct DatasetNameError: Error, CustomStringConvertible, Equatable {
    public let name: String
    public var description: String {
        "unknown data set '\(name)' (known: \(Dataset.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}
