import Foundation

/// The data sets by name, as the CLI and study files give them, loaded and standardised per
/// feature with the training split's mean and std (as the CenSET code does).
public enum DatasetCatalog {
    public static let names = ["fashion-mnist", "cifar10", "synthetic"]

    /// - Parameters:
    ///   - directory: where the files are (nil: FashionMNIST's Debian directory; CIFAR-10 needs one).
    ///   - seed: the synthetic set's seed (ignored by the real data sets).
    ///   - trainSamples: keep only the first N training samples (0 = all), before standardising.
    public static func load(_ name: String, directory: String?, seed: UInt64, trainSamples: Int = 0) throws -> DataSplit {
        var split: DataSplit
        switch name {
        case "fashion-mnist":
            split = try FashionMNIST.load(directory: directory.map { URL(fileURLWithPath: $0) } ?? FashionMNIST.defaultDirectory)
        case "cifar10":
            guard let directory else {
                throw DatasetMissingError(
                    dataset: "CIFAR-10", directory: "(none given)", expectedFiles: ["data_batch_1.bin … data_batch_5.bin", "test_batch.bin"],
                    missingFiles: [], remedy: "give the directory of the CIFAR-10 binary version with --data-dir")
            }
            split = try CIFAR10.load(directory: URL(fileURLWithPath: directory))
        case "synthetic":
            split = SyntheticClassification.make(seed: seed)
        default:
            preconditionFailure("unknown data set \(name)")
        }
        if trainSamples > 0 && trainSamples < split.train.count {
            split.train = split.train.selecting(Array(0..<trainSamples))
        }
        let standardization = Standardization(fitting: split.train)
        standardization.apply(to: &split.train)
        standardization.apply(to: &split.test)
        return split
    }
}

extension DatasetCatalog {
    /// The shape of one sample of a data set, known without loading it.
    public static func inputShape(_ name: String) -> ImageShape {
        switch name {
        case "fashion-mnist": ImageShape(channels: 1, height: 28, width: 28)
        case "cifar10": CIFAR10.shape
        default: ImageShape.vector(64)  // SyntheticClassification.make's default
        }
    }

    /// Classes of a data set (FashionMNIST, CIFAR-10 and the synthetic default all have 10).
    public static func classCount(_ name: String) -> Int { 10 }
}
