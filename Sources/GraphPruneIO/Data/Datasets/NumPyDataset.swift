import Foundation
import GraphPruneNumerics

/// A data set of your own as four `.npy` files in one directory (`--dataset npy --data-dir DIR`):
///
/// | file | contents |
/// |---|---|
/// | `train_x.npy`, `test_x.npy` | samples, float32 or float64, `N × C × H × W` (images) or `N × F` (vectors) |
/// | `train_y.npy`, `test_y.npy` | class labels `0…K−1`, any integer or float dtype holding whole numbers, `N` |
///
/// The values are used as given, like the built-in sets' pixels in [0, 1]; the model's input
/// preprocessing (`InputPreprocessing`) then applies. `K` is the largest label plus one.
/// From NumPy: `np.save("train_x.npy", x.astype(np.float32) / 255)`, `np.save("train_y.npy", y)`.
public enum NumPyDataset {
    public static let files = ["train_x.npy", "train_y.npy", "test_x.npy", "test_y.npy"]

    /// The sample shape and class count, from the headers and the label files.
    public static func shape(directory: URL) throws -> (input: ImageShape, classes: Int) {
        try requireFiles(directory)
        let x = try NumPyFile.shape(of: directory.appendingPathComponent("train_x.npy"))
        let input = try sampleShape(x, file: directory.appendingPathComponent("train_x.npy").path)
        let classes = try [("train_y.npy", x[0]), ("test_y.npy", nil)].map { name, count in
            try labels(directory.appendingPathComponent(name), count: count).max().map { Int($0) + 1 } ?? 1
        }.max()!
        return (input, classes)
    }

    /// Both splits.
    /// - Throws: `DatasetMissingError` naming the missing files; `FileFormatError` naming the file
    ///   whose shape, dtype or labels do not fit.
    public static func load(directory: URL) throws -> DataSplit {
        try requireFiles(directory)
        var parts = [(Matrix<Float>, [Int32], ImageShape)]()
        for split in ["train", "test"] {
            let xURL = directory.appendingPathComponent("\(split)_x.npy")
            let x = try NumPyFile.read(from: xURL)
            let shape = try sampleShape(x.shape, file: xURL.path)
            let features = try Tensor(shape: [x.shape[0], shape.size], storage: x.storage).matrix(Float.self, name: xURL.path)
            if let bad = features.elements.firstIndex(where: { !$0.isFinite }) {
                throw FileFormatError(file: xURL.path, problem: "entry \(bad) is not finite")
            }
            parts.append((features, try labels(directory.appendingPathComponent("\(split)_y.npy"), count: x.shape[0]), shape))
        }
        guard parts[0].2 == parts[1].2 else {
            throw FileFormatError(file: directory.appendingPathComponent("test_x.npy").path, problem: "samples of shape \(parts[1].2), train_x.npy's are \(parts[0].2)")
        }
        let classes = Int(max(parts[0].1.max() ?? 0, parts[1].1.max() ?? 0)) + 1
        return DataSplit(
            train: LabeledData(features: parts[0].0, labels: parts[0].1, shape: parts[0].2, classCount: classes),
            test: LabeledData(features: parts[1].0, labels: parts[1].1, shape: parts[1].2, classCount: classes))
    }

    private static func requireFiles(_ directory: URL) throws {
        let missing = files.filter { !DatasetMissingError.fileExists(directory.appendingPathComponent($0)) }
        guard missing.isEmpty else {
            throw DatasetMissingError(
                dataset: "npy data set", directory: directory.path, expectedFiles: files, missingFiles: missing,
                remedy: "save them with numpy.save: samples N × C × H × W or N × F, labels N")
        }
    }

    private static func sampleShape(_ shape: [Int], file: String) throws -> ImageShape {
        guard (shape.count == 4 || shape.count == 2), shape.allSatisfy({ $0 > 0 }) else {
            throw FileFormatError(file: file, problem: "shape \(shape); samples N × C × H × W or N × F with N ≥ 1 are needed")
        }
        return shape.count == 4 ? ImageShape(channels: shape[1], height: shape[2], width: shape[3]) : .vector(shape[1])
    }

    /// The labels in `url`: whole numbers in `0 ..< 2³¹`, `count` of them when given.
    private static func labels(_ url: URL, count: Int?) throws -> [Int32] {
        let y = try NumPyFile.read(from: url)
        guard y.shape.count == 1, count == nil || y.shape[0] == count! else {
            throw FileFormatError(file: url.path, problem: "shape \(y.shape); \(count.map { "\($0) labels" } ?? "a vector of labels") are needed")
        }
        let values: [Double] = switch y.storage {
        case .float32(let v): v.map(Double.init)
        case .float64(let v): v
        }
        var labels = [Int32]()
        labels.reserveCapacity(values.count)
        for (k, v) in values.enumerated() {
            guard v >= 0, v < Double(Int32.max), v.rounded() == v else {
                throw FileFormatError(file: url.path, problem: "label \(k) is \(v); labels are whole numbers 0, 1, …")
            }
            labels.append(Int32(v))
        }
        return labels
    }
}
