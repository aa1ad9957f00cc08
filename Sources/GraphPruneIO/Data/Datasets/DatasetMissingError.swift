import Foundation

/// A data set whose files are not where the loader looked: one line saying which files were
/// expected in which directory and how to get them.
///
/// ```
/// FashionMNIST not found in /data: expected train-images-idx3-ubyte.gz, … (install …, or pass --data-dir DIR)
/// ```
public struct DatasetMissingError: Error, CustomStringConvertible, Equatable {
    /// The data set's name, e.g. `"FashionMNIST"`.
    public let dataset: String
    /// The directory that was searched.
    public let directory: String
    /// Every file the loader needs, in the order it reads them.
    public let expectedFiles: [String]
    /// The files of `expectedFiles` that were not found.
    public let missingFiles: [String]
    /// How to obtain the data, e.g. which package to install.
    public let remedy: String

    public init(dataset: String, directory: String, expectedFiles: [String], missingFiles: [String], remedy: String) {
        self.dataset = dataset
        self.directory = directory
        self.expectedFiles = expectedFiles
        self.missingFiles = missingFiles
        self.remedy = remedy
    }

    public var description: String {
        "\(dataset) not found in \(directory): expected \(expectedFiles.joined(separator: ", ")) (\(remedy))"
    }

    /// Whether a regular file exists at `url` (a directory of that name does not count).
    static func fileExists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
