import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

extension NeuronPruning {
    /// Which of the original units flow through a layer boundary: all of them, the kept outputs
    /// of a pruned Dense/SparseDense layer (flat feature indices), or the kept channels of a
    /// pruned convolution (every pixel of each).
    enum KeptUnits {
        case all
        case vector([Int])
        case channels([Int])

        /// The kept flat features (channels first, `C·H·W`) of an activation of original shape
        /// `[C, H, W]`, ascending, or nil when all are kept.
        func features(shape: [Int]) -> [Int]? {
            switch self {
            case .all: return nil
            case .vector(let kept): return kept
            case .channels(let kept):
                let area = shape[1] * shape[2]
                return kept.flatMap { c in (c * area)..<((c + 1) * area) }
            }
        }

        /// The channel count after slicing an activation of original shape `[C, H, W]`.
        func channels(shape: [Int]) -> Int {
            switch self {
            case .all: return shape[0]
            case .channels(let kept): return kept.count
            case .vector: preconditionFailure("the kept units of a Dense layer have no channels (checkChain)")
            }
        }
    }

    /// The model with, for every position in `kept`, only the listed neurons (ascending) of that
    /// layer, and every later layer sliced to match (see `NeuronPruning`'s documentation). The
    /// positions must have passed `checkPositions`.
    /// - Complexity: O(parameters) copying, plus O(nnz) for sparse layers.
    static func rebuild(_ model: Network, keeping kept: [Int: [Int]]) -> Network {
        let shapes = try! model.architecture.shapes()
        var specs = model.architecture.layers
        var layers = [any Layer]()
        var units = KeptUnits.all
        for (i, layer) in model.layers.enumerated() {
            let shape = shapes[i]
            let features = units.features(shape: shape)
            let rows = kept[i]
            if features == nil && rows == nil && !(layer is Dense || layer is SparseDense || layer is Conv2D) {
                layers.append(layer)
                continue
            }
            switch layer {
            case let d as Dense:
                layers.append(Dense(weight: gather(d.weight, rows: rows, columns: features), bias: pick(d.bias, rows)))
                if let rows { specs[i] = .dense(outputs: rows.count) }
                units = rows.map { .vector($0) } ?? .all
            case let s as SparseDense:
                layers.append(slice(s, rows: rows, columns: features))
                if let rows, case .sparseDense(_, let epsilon) = specs[i] { specs[i] = .sparseDense(outputs: rows.count, epsilon: epsilon) }
                units = rows.map { .vector($0) } ?? .all
            case let c as Conv2D:
                var columns: [Int]? = nil
                if case .channels(let channels) = units {
                    let taps = c.kernelHeight * c.kernelWidth
                    columns = channels.flatMap { channel in (channel * taps)..<((channel + 1) * taps) }
                }
                let input = ImageShape(channels: units.channels(shape: shape), height: c.input.height, width: c.input.width)
                layers.append(c.replacing(
                    input: input, weight: gather(c.weight, rows: rows, columns: columns), bias: pick(c.bias, rows),
                    mask: c.mask.map { gather($0, rows: rows, columns: columns) }))
                if let rows { specs[i] = specs[i].withUnits(rows.count) }
                units = rows.map { .channels($0) } ?? .all
            case let r as SReLU:
                layers.append(SReLU(
                    tLeft: pick(r.tLeft, features), aLeft: pick(r.aLeft, features),
                    tRight: pick(r.tRight, features), aRight: pick(r.aRight, features)))
            case let p as MaxPool2D:
                layers.append(MaxPool2D(
                    input: ImageShape(channels: units.channels(shape: shape), height: p.input.height, width: p.input.width),
                    size: p.size))
            case let g as GlobalAveragePooling:
                layers.append(GlobalAveragePooling(
                    input: ImageShape(channels: units.channels(shape: shape), height: g.input.height, width: g.input.width)))
            case is ReLU:
                layers.append(ReLU())
            case let d as Dropout:
                layers.append(Dropout(rate: d.rate))
            default:
                preconditionFailure("layers.\(i) (\(type(of: layer))) cannot be sliced (checkChain lets it through)")
            }
        }
        let architecture = model.architecture.replacingLayers(specs)
        precondition((try? architecture.shapes()) != nil, "the rebuilt architecture does not fit together")
        return Network(architecture: architecture, layers: layers)
    }

    /// `values[indices]`, or `values` when `indices` is nil.
    static func pick(_ values: [Float], _ indices: [Int]?) -> [Float] {
        indices.map { $0.map { values[$0] } } ?? values
    }

    /// The submatrix `m[rows, columns]` (nil = all), in the listed orders.
    /// - Complexity: O(|rows| · |columns|) copies.
    static func gather(_ m: Matrix<Float>, rows: [Int]?, columns: [Int]?) -> Matrix<Float> {
        let r = rows ?? Array(0..<m.rows)
        guard let columns else { return rows == nil ? m : m.selectingRows(r) }
        var out = Matrix<Float>(rows: r.count, columns: columns.count)
        let (n, width) = (m.columns, columns.count)
        m.elements.withUnsafeBufferPointer { src in
            out.elements.withUnsafeMutableBufferPointer { dst in
                for (a, row) in r.enumerated() {
                    let base = row * n
                    for (b, column) in columns.enumerated() { dst[a * width + b] = src[base + column] }
                }
            }
        }
        return out
    }

    /// A sparse layer restricted to the `rows` (outputs) and `columns` (inputs) listed
    /// (ascending; nil = all), its stored connections among them kept with their weights and
    /// re-indexed. The result is still sparse.
    /// - Complexity: O(nnz + inputs + outputs).
    static func slice(_ s: SparseDense, rows: [Int]?, columns: [Int]?) -> SparseDense {
        let r = rows ?? Array(0..<s.outputs)
        var newColumn = [Int](repeating: -1, count: s.inputs)
        if let columns {
            for (k, column) in columns.enumerated() { newColumn[column] = k }
        } else {
            for i in 0..<s.inputs { newColumn[i] = i }
        }
        var connections = [(output: Int, input: Int)](), values = [Float]()
        for (a, row) in r.enumerated() {
            for k in s.rowStarts[row]..<s.rowStarts[row + 1] {
                let column = newColumn[Int(s.columns[k])]
                if column >= 0 {
                    connections.append((a, column))
                    values.append(s.values[k])
                }
            }
        }
        return SparseDense(
            inputs: columns?.count ?? s.inputs, outputs: r.count, connections: connections, values: values,
            bias: pick(s.bias, rows))
    }
}
