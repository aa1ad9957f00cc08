import Foundation
import GraphPruneExperiments
import GraphPruneGraphs
import GraphPruneNumerics

/// The sparsification workloads of `graphprune bench --workload sparsification` (issue 3's
/// targets): the Schur-complement resistances against the pseudo-inverse on a VGG-shaped conv
/// layer, the exact resistances of VGG-16's first classifier layer, and a layerwise spectral
/// sparsification of a whole CIFAR VGG-16 to 5 % density.
struct SparsificationBench {
    let seed: UInt64

    func run() throws {
        print("# graphprune bench sparsification: OpenBLAS threads \(BLASThreads.count) (\(BLASCore.name) kernels), cores \(ProcessInfo.processInfo.activeProcessorCount), seed \(seed)")
        print("workload                                        seconds   note")

        // 1. 4608 × 512 (the unfolded 3×3×512 → 512 convolution): fast path vs pseudo-inverse.
        let conv = magnitudes(rows: 4608, columns: 512, seed: seed)
        var fast = Matrix<Double>(rows: 0, columns: 0), reference = fast
        let tFast = try BenchClock.seconds { fast = try EffectiveResistance.forLayer(biadjacency: conv, method: .exactSchur) }
        let tPinv = try BenchClock.seconds { reference = try EffectiveResistance.forLayer(biadjacency: conv, method: .exactPinv) }
        let error = zip(fast.elements, reference.elements).map { abs($0 - $1) / $1 }.max() ?? 0
        row("resistances 4608×512, exact-schur", tFast, String(format: "%.0f× faster than exact-pinv (target ≥ 100×)", tPinv / tFast))
        row("resistances 4608×512, exact-pinv", tPinv, String(format: "max relative difference %.1e", error))

        // 2. 25088 × 4096: VGG-16's fc1, exact.
        let fc1 = magnitudes(rows: 4096, columns: 25088, seed: seed &+ 1)
        let tFC = try BenchClock.seconds { _ = try EffectiveResistance.bySchurComplement(biadjacency: fc1) }
        row("resistances 4096×25088 (VGG-16 fc1), exact", tFC, "target ≤ 60 s")

        // 3. Every layer of a CIFAR VGG-16 (13 convolutions + classifier), layerwise to 5 %.
        let layers = vgg16CIFAR()
        var results = [NetworkSparsifier.LayerResult]()
        let tVGG = try BenchClock.seconds {
            results = try NetworkSparsifier(method: .spectral, density: 0.05, seed: seed).sparsify(layers: layers)
        }
        let kept = results.reduce(0) { $0 + $1.kept }, total = results.reduce(0) { $0 + $1.candidates }
        row("VGG-16 (CIFAR) layerwise spectral, 5 %", tVGG, "\(kept) of \(total) weights kept, λ₂ diagnostics included; target ≤ 30 s (paper: 321 s)")
    }

    /// |Gaussian| weights, rows × columns (out × in), from `seed`.
    private func magnitudes(rows: Int, columns: Int, seed: UInt64) -> Matrix<Double> {
        let g = Matrix<Float>.gaussian(rows: rows, columns: columns, seed: seed)
        return Matrix(rows: rows, columns: columns, elements: g.elements.map { Double(abs($0)) })
    }

    /// OpenLTH's `cifar_vgg_16`: 3×3 convolutions 64, 64, 128, 128, 256 ×3, 512 ×6 on 3 input
    /// channels, then a 512 → 10 linear layer; each unfolded to out × (in · 9).
    private func vgg16CIFAR() -> [Matrix<Double>] {
        let widths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
        var channels = 3
        var layers = [Matrix<Double>]()
        for (l, width) in widths.enumerated() {
            layers.append(magnitudes(rows: width, columns: channels * 9, seed: seed &+ 100 &+ UInt64(l)))
            channels = width
        }
        layers.append(magnitudes(rows: 10, columns: 512, seed: seed &+ 200))
        return layers
    }

    private func row(_ name: String, _ t: Double, _ note: String) { BenchClock.row(name, width: 46, t, note) }
}
