import Foundation

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70 000 grey 28 × 28 images of ten kinds of
/// clothing, 60 000 for training and 10 000 for testing, in the IDX format of MNIST.
///
/// Debian ships it as the package `dataset-fashion-mnist`, in `/usr/share/datasets/fashion-mnist`.
/// Each file may be gzip-compressed (`train-images-idx3-ubyte.gz`, as distributed) or unpacked
/// (`train-images-idx3-ubyte`); when both exist the compressed one is read.
///
/// Pixels are scaled to [0, 1] (`x / 255`), labels are `0..<10` (T-shirt/top, trouser,
/// pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot). The shape is taken from the
/// IDX header as `1 × rows × cols`: `1 × 28 × 28` for Fashion-MNIST, and the loader reads any
/// MNIST-style set of ten classes laid out the same way (MNIST itself, or a test's tiny files).
public enum FashionMNIST {
    /// Where the Debian package puts the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The number of classes.
    public static let classCount = 10

    /// The names of the class labels, by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The four files, without the `.gz` suffix: train images, train labels, test images, test labels.
    static let baseNames = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// The training and test sets from `directory`.
    ///
    /// - Throws: `DatasetMissingError` when a file is found neither compressed nor unpacked;
    ///   `FileFormatError` naming the file when one is malformed, the image and label counts of
    ///   a set differ, a label is not below 10 or the test images differ in size from the training images.
    /// - Complexity: O(pixels); under a second for the whole set even in a debug build.
    public static func load(directory: URL = defaultDirectory) throws -> DataSplit {
        let files = try locate(in: directory)
        let train = try readSet(images: files[0], labels: files[1])
        let test = try readSet(images: files[2], labels: files[3])
        guard test.shape == train.shape else {
            throw FileFormatError(file: files[2].path, problem: "test images are \(test.shape.height)×\(test.shape.width), training images \(train.shape.height)×\(train.shape.width)")
        }
        return DataSplit(train: train, test: test)
    }

    /// The path of each of the four files, `.gz` preferred.
    private static func locate(in directory: URL) throws -> [URL] {
        var found = [URL]()
        var missing = [String]()
        for base in baseNames {
            let candidates = [base + ".gz", base].map { directory.appendingPathComponent($0) }
            if let file = candidates.first(where: DatasetMissingError.fileExists) {
                found.append(file)
            } else {
                missing.append(base + ".gz")
            }
        }
        guard missing.isEmpty else {
            throw DatasetMissingError(
                dataset: "FashionMNIST", directory: directory.path, expectedFiles: baseNames.map { $0 + ".gz" },
                missingFiles: missing,
                remedy: "install the Debian package dataset-fashion-mnist with `sudo apt-get install dataset-fashion-mnist` or run Scripts/setup, or pass --data-dir DIR")
        }
        return found
    }

    /// One set: an image file and its label file.
    private static func readSet(images: URL, labels: URL) throws -> LabeledData {
        let set = try IDXFile.readLabeledImages(images: images, labels: labels)
        guard set.rows > 0, set.cols > 0 else {
            throw FileFormatError(file: images.path, problem: "images are \(set.rows)×\(set.cols), an extent is zero")
        }
        if let bad = set.labels.firstIndex(where: { Int($0) >= classCount }) {
            throw FileFormatError(file: labels.path, problem: "label \(set.labels[bad]) of sample \(bad) is not below \(classCount)")
        }
        let shape = ImageShape(channels: 1, height: set.rows, width: set.cols)
        return LabeledData(
            features: PixelScaling.matrix(set.pixels, rows: set.count, columns: shape.size),
            labels: set.labels.map { Int32($0) }, shape: shape, classCount: classCount)
    }
}
