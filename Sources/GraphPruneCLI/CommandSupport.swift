import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneIO
import GraphPrunePruning

/// A bad option value, reported as one line (`option: problem`) and a non-zero exit.
struct OptionError: Error, CustomStringConvertible {
    let description: String
    init(_ option: String, _ problem: String) { description = "\(option): \(problem)" }
}

/// Where a command's result goes: stdout, or a file written atomically (temp file + rename), so
/// a failed run leaves no half-written file.
struct OutputDestination {
    let path: String?

    func write(_ text: String) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}

/// Fails early, before any long computation, when `path`'s directory cannot take the file.
func requireWritableDirectory(for path: String?, option: String) throws {
    guard let path else { return }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw OptionError(option, "directory \(directory) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: directory) else {
        throw OptionError(option, "directory \(directory) is not writable")
    }
    // Only regular files are replaced (AtomicFile): say so before any work.
    if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, type != .typeRegular {
        throw OptionError(option, "\(path) exists and is not a regular file (a directory, device, FIFO or symbolic link)")
    }
}

/// Creates `path` and its missing parents (as `mkdir -p`); the error names `option`, the
/// directory that could not be made and the system's reason (`Read-only file system`).
func createDirectory(_ path: String, option: String) throws {
    var directory = URL(fileURLWithPath: "/")
    for component in URL(fileURLWithPath: path).standardizedFileURL.pathComponents.dropFirst() {
        directory.appendPathComponent(component)
        let made = directory.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: made, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OptionError(option, "\(made) exists and is not a directory") }
            continue
        }
        guard mkdir(made, 0o777) == 0 || errno == EEXIST else {
            throw OptionError(option, "cannot create directory \(made) (\(String(cString: strerror(errno))))")
        }
    }
}

/// `text` left-aligned in a column of `width` characters (never cut).
func column(_ text: String, _ width: Int) -> String {
    text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
}

/// `%.17g`: enough digits to read the same Double back (`DecimalText.fullPrecision`).
func fullPrecision(_ x: Double) -> String { DecimalText.fullPrecision(x) }

/// One line on stderr.
func report(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func optionalCount(_ x: Int?) -> String { x.map(String.init) ?? "n/a" }

extension LaplacianCentrality.Variant: ExpressibleByArgument {}
extension Dataset: ExpressibleByArgument {}
extension GroupScoring: ExpressibleByArgument {}
extension DensityDistribution: ExpressibleByArgument {}
extension NeuronScope: ExpressibleByArgument {}
extension ScoreNormalization: ExpressibleByArgument {}
extension WeightMatrixFile.NeuronAxis: ExpressibleByArgument {}
extension MagnitudeScorer.Norm: ExpressibleByArgument {}

/// Options shared by the commands that compute centralities.
struct CentralityOptions: ParsableArguments {
    @Flag(help: "Normalised scores: Laplacian energy drop / E_L(G); degree / (n − 1). Eigenvector scores always have unit L2 norm.")
    var normalized = false

    @Flag(help: "Laplacian centrality of |w| instead of the signed weights.")
    var absoluteWeights = false

    @Option(help: "Laplacian centrality variant: standard (Qi et al. 2012) or networkit-legacy (NetworKit ≤ 11.2 as run by the CenSET code: forward-directed edges, truncated out-degrees).")
    var laplacianVariant: LaplacianCentrality.Variant = .standard
}
