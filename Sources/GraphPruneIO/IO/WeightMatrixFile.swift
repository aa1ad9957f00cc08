import Foundation
import GraphPruneGraphs
import GraphPruneNumerics

/// A layer's weight matrix read from a `.npy` or `.safetensors` file, in the toolkit's
/// orientation: **one row per neuron** (PyTorch `nn.Linear`, out × in).
public enum WeightMatrixFile {
    /// How the file's matrix holds the neurons.
    public enum NeuronAxis: String, Sendable, CaseIterable {
        /// Each row is a neuron's incoming weights (PyTorch `nn.Linear.weight`, out × in).
        case rows
        /// Each column is a neuron (a Keras `Dense` kernel, in × out): transposed on load.
        case columns
    }

    /// The matrix in the file's own precision.
    public enum Loaded: Sendable {
        case float32(Matrix<Float>)
        case float64(Matrix<Double>)
    }

    /// Reads the matrix at `url`. `tensor` names the tensor of a safetensors file (optional when
    /// the file holds exactly one). A tensor of more than two axes with `neurons: .rows` has its
    /// first axis as the neurons and the rest flattened in C order: a convolution's filters,
    /// PyTorch's `F × C × kh × kw`, read as `F × C·kh·kw`. 1-D tensors, more than two axes with
    /// `.columns`, and NaN/Inf entries are errors naming the file, the tensor and the entry.
    public static func read(_ url: URL, tensor: String? = nil, neurons: NeuronAxis = .rows) throws -> Loaded {
        var (t, label) = try readTensor(url, tensor: tensor)
        if t.shape.count > 2 {
            guard neurons == .rows else {
                throw FileFormatError(file: label, problem: "has shape \(t.shape): a tensor of more than two axes is read with its first axis as the neurons (--neurons rows), as PyTorch stores convolutions")
            }
            t = Tensor(shape: [t.shape[0], t.shape.dropFirst().reduce(1, *)], storage: t.storage)
        }
        func oriented<S: BLASScalar>(_ s: S.Type) throws -> Matrix<S> {
            let m = try t.matrix(S.self, name: label)
            try requireFinite(m, label: label)
            return neurons == .rows ? m : m.transposed()
        }
        switch t.storage {
        case .float32: return .float32(try oriented(Float.self))
        case .float64: return .float64(try oriented(Double.self))
        }
    }
}

extension WeightMatrixFile {
    /// One tensor of a `.npy` or `.safetensors` file and a label naming it for errors
    /// (`PATH` or `PATH tensor 'NAME'`). `tensor` is needed when a safetensors file holds several.
    public static func readTensor(_ url: URL, tensor: String? = nil) throws -> (tensor: Tensor, label: String) {
        let path = url.path
        switch url.pathExtension.lowercased() {
        case "npy":
            if let tensor {
                throw FileFormatError(file: path, problem: "--tensor \(tensor) given, but a .npy file holds one unnamed array")
            }
            return (try NumPyFile.read(from: url), path)
        case "safetensors":
            let tensors = try SafetensorsFile.read(from: url).tensors
            let names = tensors.keys.sorted()
            let chosen: String
            if let tensor {
                guard tensors[tensor] != nil else {
                    throw FileFormatError(file: path, problem: "no tensor named '\(tensor)' (has: \(names.joined(separator: ", ")))")
                }
                chosen = tensor
            } else {
                guard names.count == 1 else {
                    throw FileFormatError(file: path, problem: "holds \(names.count) tensors; choose one with --tensor (has: \(names.joined(separator: ", ")))")
                }
                chosen = names[0]
            }
            return (tensors[chosen]!, "\(path) tensor '\(chosen)'")
        default:
            throw FileFormatError(file: path, problem: "unsupported weight file extension '.\(url.pathExtension)' (expected .npy or .safetensors)")
        }
    }

    /// Fails with the tensor's label when an entry is NaN or infinite.
    public static func requireFinite<S: BLASScalar>(_ m: Matrix<S>, label: String) throws {
        if let bad = m.firstNonFinite() {
            throw FileFormatError(file: label, problem: "entry (\(bad.row), \(bad.column)) is \(m[bad.row, bad.column]); weights must be finite")
        }
    }
}

/// A graph read from a Matrix Market (`.mtx`) or edge-list CSV (`.csv`) file, undirected: an
/// edge listed once counts for both ends; a symmetric `.mtx` lists one triangle.
public enum GraphFile {
    public static func read(_ url: URL) throws -> WeightedGraph {
        let list: EdgeList
        switch url.pathExtension.lowercased() {
        case "mtx": list = try MatrixMarketFile.readGraph(from: url)
        case "csv": list = try EdgeListCSVFile.readGraph(from: url)
        default:
            throw FileFormatError(file: url.path, problem: "unsupported graph file extension '.\(url.pathExtension)' (expected .mtx or .csv)")
        }
        do {
            return try WeightedGraph(list, name: url.path)
        } catch let error as EdgeListError {
            throw FileFormatError(file: error.source, problem: error.problem)
        }
    }
}
