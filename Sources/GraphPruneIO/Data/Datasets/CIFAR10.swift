import Foundation
import GraphPruneNumerics

/// CIFAR-10 (Krizhevsky 2009), binary version: 60 000 colour 32 × 32 images of ten classes,
/// 50 000 for training in `data_batch_1.bin` … `data_batch_5.bin` and 10 000 in `test_batch.bin`.
///
/// Every record is 3 073 bytes: the label (0…9), then 1 024 red, 1 024 green and 1 024 blue
/// bytes, each plane row after row. That is already C order `C × H × W`, so a record's pixels
/// become one feature row as they are, scaled to [0, 1] (`x / 255`); the shape is `3 × 32 × 32`.
///
/// There is no Debian package: the user downloads `cifar-10-binary.tar.gz`, unpacks it and
/// passes the directory. Both that directory and the `cifar-10-batches-bin` folder inside it
/// are accepted. A batch file may also be gzip-compressed under the same name.
public enum CIFAR10 {
    /// The number of classes.
    public static let classCount = 10

    /// The names of the class labels, by label.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]

    /// The shape of one image.
    public static let shape = ImageShape(channels: 3, height: 32, width: 32)

    /// The bytes of one record: a label byte and the three colour planes.
    static let recordSize = 1 + 3 * 32 * 32

    /// The training batch files, in the order their records are concatenated.
    static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    /// The test batch file.
    static let testFile = "test_batch.bin"

    /// The folder the official archive unpacks to.
    static let archiveFolder = "cifar-10-batches-bin"

    /// The training set (the five batches in order) and the test set from `directory`.
    ///
    /// - Throws: `DatasetMissingError` when a batch file is found neither in `directory` nor in
    ///   its `cifar-10-batches-bin` folder; `FileFormatError` naming the file when its size is
    ///   not a positive whole number of records or a label is not below 10.
    /// - Complexity: O(pixels).
    public static func load(directory: URL) throws -> DataSplit {
        let folder = try locate(in: directory)
        let train = try readBatches(trainFiles.map { folder.appendingPathComponent($0) })
        let test = try readBatches([folder.appendingPathComponent(testFile)])
        return DataSplit(train: train, test: test)
    }

    /// `directory` or its archive folder, whichever holds all six files.
    private static func locate(in directory: URL) throws -> URL {
        let expected = trainFiles + [testFile]
        let folders = [directory, directory.appendingPathComponent(archiveFolder)]
        for folder in folders where expected.allSatisfy({ DatasetMissingError.fileExists(folder.appendingPathComponent($0)) }) {
            return folder
        }
        throw DatasetMissingError(
            dataset: "CIFAR10", directory: directory.path, expectedFiles: expected,
            missingFiles: expected.filter { !DatasetMissingError.fileExists(directory.appendingPathComponent($0)) },
            remedy: "there is no Debian package: download the binary version https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, unpack it and pass --data-dir DIR")
    }

    /// The records of `files`, one after the other.
    static func readBatches(_ files: [URL]) throws -> LabeledData {
        let contents = try files.map { file -> Data in
            // Each byte becomes a float of the features matrix: a batch may inflate to a fifth
            // of memory at most (the format declares no size).
            let data = try GzipFile.decompress(
                try FileContents.bytes(of: file), name: file.path, limit: MemoryBudget.availableBytes / 5,
                limitSource: "this machine's memory (a fifth of it, for the bytes and their floats)")
            guard !data.isEmpty, data.count % recordSize == 0 else {
                throw FileFormatError(
                    file: file.path,
                    problem: "size \(data.count) bytes is not a positive whole number of \(recordSize)-byte records (1 label byte + 3072 pixel bytes)")
            }
            return data
        }
        let total = contents.reduce(0) { $0 + $1.count / recordSize }
        var features = Matrix<Float>(rows: total, columns: shape.size)
        var labels = [Int32](repeating: 0, count: total)
        var row = 0
        for (file, data) in zip(files, contents) {
            let records = data.count / recordSize
            if let bad = firstBadLabel(data) {
                throw FileFormatError(file: file.path, problem: "record \(bad): label \(data[data.startIndex + bad * recordSize]) is not below \(classCount)")
            }
            decode(data, records: records, into: &features, labels: &labels, from: row)
            row += records
        }
        return LabeledData(features: features, labels: labels, shape: shape, classCount: classCount)
    }

    /// The index of the first record whose label byte is 10 or more, or nil.
    private static func firstBadLabel(_ data: Data) -> Int? {
        let records = data.count / recordSize
        return (0..<records).first { data[data.startIndex + $0 * recordSize] >= UInt8(classCount) }
    }

    /// Labels and scaled pixels of `records` records into rows `first…` of the buffers.
    private static func decode(_ data: Data, records: Int, into features: inout Matrix<Float>, labels: inout [Int32], from first: Int) {
        let pixels = shape.size
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            features.elements.withUnsafeMutableBufferPointer { out in
                for r in 0..<records {
                    let record = r * recordSize
                    labels[first + r] = Int32(bytes[record])
                    PixelScaling.scale(
                        UnsafeBufferPointer(rebasing: bytes[(record + 1)..<(record + recordSize)]),
                        into: UnsafeMutableBufferPointer(rebasing: out[((first + r) * pixels)..<((first + r + 1) * pixels)]))
                }
            }
        }
    }
}
