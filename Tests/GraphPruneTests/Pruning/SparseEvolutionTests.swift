import Foundation
import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneGraphs
@testable import GraphPruneIO
@testable import GraphPruneNetwork
@testable import GraphPrunePruning

final class SparseEvolutionTests: XCTestCase {
    // MARK: Brute-force references

    /// The SET code's `rewireMask` on the dense matrix, NumPy step by step: the stored positions
    /// (row-major) it removes.
    private func referenceSETRemoved(_ layer: SparseDense, zeta: Double) -> Set<Int> {
        let dense = layer.denseWeight().elements
        let values = dense.sorted()
        let magnitudes = values.map { abs($0) }
        let smallest = magnitudes.min()!
        let firstZeroPos = magnitudes.firstIndex(of: smallest)!
        let lastZeroPos = magnitudes.lastIndex(of: smallest)! + 1  // n − argmin of the reversed array
        let n = values.count
        let largestNegative = values[Int((1 - zeta) * Double(firstZeroPos))]
        let smallestPositive = values[Int(min(Double(n - 1), Double(lastZeroPos) + zeta * Double(n - lastZeroPos)))]
        var removed = Set<Int>()
        for (k, c) in layer.pattern().enumerated() {
            let w = dense[c.output * layer.inputs + c.input]
            if !(w > smallestPositive || w < largestNegative) { removed.insert(k) }
        }
        return removed
    }

    private func flagged(_ flags: [Bool]) -> Set<Int> { Set(flags.indices.filter { flags[$0] }) }

    private func randomLayer(inputs: Int, outputs: Int, density: Double, seed: UInt64) -> SparseDense {
        var g = SplitMix64(seed: seed)
        var connections = [(output: Int, input: Int)](), values = [Float]()
        for j in 0..<outputs {
            for i in 0..<inputs where g.nextUnitDouble() < density {
                connections.append((j, i))
                values.append(Float(g.nextUnitDouble() * 2 - 1))
            }
        }
        return SparseDense(inputs: inputs, outputs: outputs, connections: connections, values: values)
    }

    // MARK: SET

    func testSETRemovesTheReferenceCodesThresholdSetOnAHandMadeLayer() throws {
        // 4 × 5 = 20 positions, 12 stored: 5 negatives, 6 positives, one stored zero; 9 zeros.
        let connections = [(0, 0), (0, 2), (0, 4), (1, 1), (1, 3), (2, 0), (2, 2), (2, 4), (3, 1), (3, 2), (3, 3), (3, 4)]
        let values: [Float] = [-0.9, 0.05, 0.6, -0.7, 0.2, -0.5, 0.4, 0, -0.3, 1.0, -0.1, 0.8]
        let layer = SparseDense(inputs: 5, outputs: 4, connections: connections.map { (output: $0.0, input: $0.1) }, values: values)
        // ζ = 0.3: largestNegative = negatives[⌊0.7 · 5⌋ = 3] = −0.3; lastZeroPos = 5 + 9 = 14,
        // smallestPositive = values[⌊14 + 0.3 · 6⌋ = 15] = positives[1] = 0.2. Removed: −0.3,
        // −0.1 (the ζ-largest negatives), 0.05 and 0.2 (⌊ζ·6⌋ + 1 smallest positives), the 0.
        let t = SparseEvolution.setThresholds(values: values, implicitZeros: 8, zeta: 0.3)
        XCTAssertEqual(t.largestNegative, -0.3)
        XCTAssertEqual(t.smallestPositive, 0.2)
        let removed = try SparseEvolution.setRemoval(of: layer, zeta: 0.3, position: 0)
        let removedValues = Set(flagged(removed).map { layer.values[$0] })
        XCTAssertEqual(removedValues, [-0.3, -0.1, 0, 0.05, 0.2])
        XCTAssertEqual(flagged(removed), referenceSETRemoved(layer, zeta: 0.3))
    }

    func testSETRemovalMatchesTheReferenceRuleOnRandomLayers() throws {
        for (seed, density) in [(1, 0.3), (2, 0.7), (3, 1.0), (4, 0.05)] as [(UInt64, Double)] {
            let layer = randomLayer(inputs: 13, outputs: 9, density: density, seed: seed)
            for zeta in [0, 0.05, 0.3, 0.5, 1] {
                let removed = try SparseEvolution.setRemoval(of: layer, zeta: zeta, position: 0)
                XCTAssertEqual(flagged(removed), referenceSETRemoved(layer, zeta: zeta), "seed \(seed) density \(density) ζ \(zeta)")
            }
        }
        var bad = randomLayer(inputs: 3, outputs: 3, density: 1, seed: 1)
        bad.values[4] = .nan
        XCTAssertThrowsError(try SparseEvolution.setRemoval(of: bad, zeta: 0.3, position: 2)) {
            XCTAssertTrue("\($0)".contains("layer 2"), "\($0)")
        }
    }

    func testSETKeepsEveryLayersConnectionCountOverRewirings() throws {
        let architecture = try Architecture.parse("20-24-16-5", inputShape: nil, sparseEpsilon: 3)
        var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 1)
        let evolution = SparseEvolution(rule: .set(zeta: 0.3), regrowth: .smallRandom(std: 0.1))
        let targets = try evolution.connectionTargets(of: model)
        XCTAssertEqual(targets.map(\.position), [0, 2])
        var generator = SplitMix64(seed: 3)
        for round in 0..<5 {
            let before = model.layers.compactMap { ($0 as? SparseDense)?.pattern().map { $0.output * 100 + $0.input } }
            let step = try evolution.rewire(&model, targets: targets, generator: &generator)
            XCTAssertEqual(step.record.connections, targets.map(\.count), "round \(round)")
            XCTAssertEqual(step.record.removed, step.record.regrown, "round \(round)")
            XCTAssertTrue(step.record.removed.allSatisfy { $0 > 0 })
            XCTAssertNil(step.record.centrality)
            for (l, target) in targets.enumerated() {
                let layer = model.layers[target.position] as! SparseDense
                layer.checkInvariants()
                XCTAssertEqual(layer.connectionCount, target.count)
                XCTAssertEqual(step.maps[l].sources.filter { $0 < 0 }.count, step.record.regrown[l])
                XCTAssertNotEqual(layer.pattern().map { $0.output * 100 + $0.input }, before[l], "the pattern changes")
            }
        }
    }

    // MARK: Regrowth

    func testRegrowthIsWithinEmptyPositionsAndReproducibleBySeed() {
        for density in [0.2, 0.9] {  // rejection sampling; listing the few empty positions
            let layer = randomLayer(inputs: 11, outputs: 7, density: density, seed: 5)
            let removing = layer.values.map { abs($0) < 0.3 }
            let kept = Set(layer.pattern().enumerated().filter { !removing[$0.offset] }.map { $0.element.output * 11 + $0.element.input })
            let target = min(77, layer.connectionCount + 2)
            func draw(_ seed: UInt64) -> [Int] {
                var g = SplitMix64(seed: seed)
                return SparseEvolution.regrowthPositions(of: layer, removing: removing, target: target, generator: &g)
                    .map { $0.output * 11 + $0.input }
            }
            let a = draw(7)
            XCTAssertEqual(a.count, target - kept.count, "density \(density)")
            XCTAssertEqual(Set(a).count, a.count, "distinct")
            XCTAssertTrue(kept.isDisjoint(with: a), "only empty positions")
            XCTAssertTrue(a.allSatisfy { $0 >= 0 && $0 < 77 })
            XCTAssertEqual(draw(7), a)
            XCTAssertNotEqual(draw(8), a)
        }
    }

    // MARK: CenSET

    /// A 4-3-3 sparse chain with a dense 3 → 2 output layer; weights of very different sizes.
    private func handMadeNetwork() -> Network {
        let architecture = Architecture(inputSize: 4, layers: [
            .sparseDense(outputs: 3, epsilon: 1), .relu, .sparseDense(outputs: 3, epsilon: 1), .relu, .dense(outputs: 2),
        ])
        let first = SparseDense(
            inputs: 4, outputs: 3,
            connections: [(0, 0), (0, 1), (1, 0), (1, 2), (2, 1), (2, 2), (2, 3)],
            values: [1.5, -0.8, 2.0, 0.7, -1.2, 0.9, 0.05])
        let second = SparseDense(
            inputs: 3, outputs: 3,
            connections: [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0)],
            values: [1.1, -2.2, 0.6, 0.1, -0.4])
        let output = Dense(weight: Matrix([[0.5, -1.5, 0.02], [1.0, 0.3, -0.2]]), bias: [0, 0])
        return Network(architecture: architecture, layers: [first, ReLU(), second, ReLU(), output])
    }

    /// Laplacian centrality from its definition: `E(G) − E(G − v)`, `E = Σ_u d_u² + Σ_{u≠w} A_uw²`
    /// on the explicit symmetric adjacency matrix; or NetworKit ≤ 11.2's directed formula.
    private func referenceCentrality(_ weights: [Matrix<Float>], absolute: Bool, legacy: Bool) -> [Double] {
        let sizes = [weights[0].columns] + weights.map(\.rows)
        var offsets = [0]
        for s in sizes { offsets.append(offsets.last! + s) }
        let n = offsets.last!
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (l, w) in weights.enumerated() {
            for j in 0..<w.rows {
                for i in 0..<w.columns {
                    let x = Double(w[j, i])
                    a[offsets[l] + i][offsets[l + 1] + j] = absolute ? abs(x) : x
                    a[offsets[l + 1] + j][offsets[l] + i] = absolute ? abs(x) : x
                }
            }
        }
        if legacy {
            var out = [Double](repeating: 0, count: n)
            for u in 0..<n { for v in (u + 1)..<n { out[u] += a[u][v] } }
            var scores = [Double](repeating: 0, count: n)
            for u in 0..<n {
                let t = out[u].rounded(.towardZero)
                scores[u] = t * t
                for v in (u + 1)..<n where a[u][v] != 0 { scores[u] += a[u][v] * (a[u][v] + 2 * out[v]) }
            }
            return scores
        }
        func energy(without removed: Int?) -> Double {
            var e = 0.0
            for u in 0..<n where u != removed {
                var d = 0.0
                for v in 0..<n where v != removed && v != u {
                    d += a[u][v]
                    e += a[u][v] * a[u][v]
                }
                e += d * d
            }
            return e
        }
        let total = energy(without: nil)
        return (0..<n).map { total - energy(without: $0) }
    }

    func testCenSETRemovesExactlyTheConnectionsOfNeuronsBelowTheThreshold() throws {
        let network = handMadeNetwork()
        var sawBoth = (removal: false, none: false)
        for variant in LaplacianCentrality.Variant.allCases {
            for includeOutput in [false, true] {
                for weighting in LayeredGraph.EdgeWeighting.allCases {
                    for k in [0.3, 0.8, 3.0] {
                        let label = "\(variant) output \(includeOutput) \(weighting) k \(k)"
                        let evolution = SparseEvolution(rule: .censet(k: k, centrality: variant, includeOutputLayer: includeOutput, weighting: weighting))
                        var weights = [(network.layers[0] as! SparseDense).denseWeight(), (network.layers[2] as! SparseDense).denseWeight()]
                        if includeOutput { weights.append((network.layers[4] as! Dense).weight) }
                        let lc = referenceCentrality(weights, absolute: weighting == .absolute, legacy: variant == .networkitLegacy)
                        let mean = lc.reduce(0, +) / Double(lc.count)
                        let std = (lc.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(lc.count)).squareRoot()
                        let below = lc.map { $0 < mean - k * std }
                        // Expected survivors: stored connections with neither end below (nodes: 4 inputs, 3, 3, [2]).
                        let blockStart = [0, 4, 7]
                        var model = network
                        let targets = try evolution.connectionTargets(of: model)
                        var generator = SplitMix64(seed: 1)
                        let step = try evolution.rewire(&model, targets: targets, generator: &generator)
                        let stats = try XCTUnwrap(step.record.centrality, label)
                        XCTAssertEqual(stats.nodes, lc.count, label)
                        XCTAssertEqual(stats.neuronsBelow, below.filter { $0 }.count, label)
                        XCTAssertEqual(stats.mean, mean, accuracy: 1e-9, label)
                        XCTAssertEqual(stats.std, std, accuracy: 1e-9, label)
                        XCTAssertEqual(stats.max, lc.max()!, accuracy: 1e-9, label)
                        for (l, position) in [0, 2].enumerated() {
                            let old = network.layers[position] as! SparseDense
                            let expected = Set(old.pattern().enumerated().filter {
                                !below[blockStart[l] + $0.element.input] && !below[blockStart[l + 1] + $0.element.output]
                            }.map(\.offset))
                            let map = step.maps[l]
                            XCTAssertEqual(Set(map.sources.filter { $0 >= 0 }.map { Int($0) }), expected, label)
                            XCTAssertEqual(step.record.removed[l], old.connectionCount - expected.count, label)
                            let new = model.layers[position] as! SparseDense
                            XCTAssertEqual(new.connectionCount, old.connectionCount, label)
                            let oldPattern = old.pattern(), newPattern = new.pattern()
                            let keptPositions = Set(expected.map { oldPattern[$0].output * 10 + oldPattern[$0].input })
                            for k in 0..<map.newCount {
                                if let s = map[k] {
                                    XCTAssertTrue(newPattern[k] == oldPattern[s] && new.values[k] == old.values[s], label)
                                } else {
                                    XCTAssertFalse(keptPositions.contains(newPattern[k].output * 10 + newPattern[k].input), label)
                                    XCTAssertEqual(new.values[k], 0, label)
                                }
                            }
                        }
                        XCTAssertEqual((model.layers[4] as! Dense).weight, (network.layers[4] as! Dense).weight, "the dense output layer is never rewired")
                        if step.record.removed.reduce(0, +) > 0 { sawBoth.removal = true } else { sawBoth.none = true }
                    }
                }
            }
        }
        XCTAssertTrue(sawBoth.removal && sawBoth.none, "the cases must include removals and a threshold below everything")
    }

    func testCenSETNeedsAChainAndAnOutputLayerWhenAskedFor() throws {
        let conv = try Architecture.parse("c2-p-8-3", inputShape: [1, 4, 4], sparseEpsilon: 2)
        var model = Network(architecture: conv, initializer: .glorotUniform, seed: 1)
        let evolution = SparseEvolution(rule: .censet(k: 1, includeOutputLayer: true))
        XCTAssertEqual(try evolution.graphLayers(of: model), [3, 5])
        var generator = SplitMix64(seed: 1)
        XCTAssertNoThrow(try evolution.rewire(&model, targets: evolution.connectionTargets(of: model), generator: &generator))
        let dense = Network(architecture: try Architecture.multilayerPerceptron("6-4-2"), initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try evolution.connectionTargets(of: dense)) { XCTAssertTrue("\($0)".contains("no sparse layers"), "\($0)") }
        XCTAssertThrowsError(try SparseEvolution(rule: .set(zeta: 1.5)).validate()) { XCTAssertTrue("\($0)".contains("zeta"), "\($0)") }
        XCTAssertThrowsError(try SparseEvolution(rule: .set(zeta: 0.3), regrowth: .smallRandom(std: -1)).validate()) {
            XCTAssertTrue("\($0)".contains("std"), "\($0)")
        }
    }

    // MARK: Rewiring maps and optimiser state

    func testRewireReportsWhereEveryConnectionCameFrom() {
        var layer = SparseDense(
            inputs: 4, outputs: 3, connections: [(0, 1), (0, 3), (1, 0), (2, 2), (2, 3)], values: [1, 2, 3, 4, 5])
        let map = layer.rewire(removing: { _, _, value in value == 2 || value == 4 },
                               adding: [(2, 2), (1, 1), (0, 0)], values: [7, 8, 9])
        XCTAssertTrue(layer.pattern().elementsEqual([(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3)], by: { $0 == $1 }))
        XCTAssertEqual(layer.values, [9, 1, 3, 8, 7, 5])
        XCTAssertEqual(map, PositionMap(oldCount: 5, sources: [-1, 0, 2, -1, -1, 4]))
        XCTAssertEqual(map[1], 0)
        XCTAssertNil(map[4], "a removed connection added back is new")
        layer.checkInvariants()
        XCTAssertEqual(map.apply(to: [10, 20, 30, 40, 50], fill: 0), [0, 10, 30, 0, 0, 50])
    }

    func testOptimizersKeepTheSurvivorsStateAndZeroTheNewOnes() {
        let map = PositionMap(oldCount: 4, sources: [3, -1, 0])
        let g: [Float] = [0.1, 0.2, 0.3, 0.4], h: [Float] = [1, 1, 1]

        // SGD, μ = 0.5, η = 1: v = g, θ = θ₀ − g; remap v → [0.4, 0, 0.1]; v = μ v + h = [1.2, 1, 1.05].
        var sgd = SGD(momentum: 0.5)
        var theta: [Float] = [1, 2, 3, 4]
        sgd.beginStep()
        sgd.update(index: 1, values: &theta, gradient: g, learningRate: 1)
        sgd.remapState(index: 1, by: map)
        var remapped = map.apply(to: theta, fill: 0)  // [3.6, 0, 0.9]
        sgd.beginStep()
        sgd.update(index: 1, values: &remapped, gradient: h, learningRate: 1)
        for (a, b) in zip(remapped, [3.6 - 1.2, 0 - 1, 0.9 - 1.05] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }

        // Adam: after step 1, m = 0.1 g, v = 0.001 g²; step 2 (t = 2) from the remapped moments.
        var adam = Adam()
        var a: [Float] = [1, 2, 3, 4]
        adam.beginStep()
        adam.update(index: 0, values: &a, gradient: g, learningRate: 0.01)
        adam.remapState(index: 0, by: map)
        var b = map.apply(to: a, fill: 0)
        let start = b
        adam.beginStep()
        adam.update(index: 0, values: &b, gradient: h, learningRate: 0.01)
        let m0: [Double] = [0.1 * 0.4, 0, 0.1 * 0.1], v0: [Double] = [0.001 * 0.16, 0, 0.001 * 0.01]
        for k in 0..<3 {
            let m = 0.9 * m0[k] + 0.1, v = 0.999 * v0[k] + 0.001
            let expected = Double(start[k]) - 0.01 * (m / (1 - 0.81)) / ((v / (1 - 0.999 * 0.999)).squareRoot() + 1e-7)
            XCTAssertEqual(Double(b[k]), expected, accuracy: 1e-5, "entry \(k)")
        }

        // No state yet, or none at all: nothing to remap.
        var fresh = SGD(momentum: 0.9), plain = SGD()
        fresh.remapState(index: 5, by: map)
        plain.remapState(index: 0, by: map)
        var x: [Float] = [1, 1, 1]
        fresh.beginStep()
        fresh.update(index: 5, values: &x, gradient: h, learningRate: 0.5)
        XCTAssertEqual(x, [0.5, 0.5, 0.5])
    }

    // MARK: Training

    private func synthetic() -> DataSplit {
        var split = SyntheticClassification.make(classes: 5, features: 20, trainCount: 500, testCount: 200, seed: 3)
        let s = Standardization(fitting: split.train)
        s.apply(to: &split.train)
        s.apply(to: &split.test)
        return split
    }

    func testSETAndCenSETTrainBeyondChanceAndRepeatBySeed() throws {
        let data = synthetic()
        let architecture = try Architecture.parse("20-48-32-5", inputShape: nil, sparseEpsilon: 4)
        var settings = TrainingSettings(epochs: 5)
        settings.batchSize = 25
        settings.learningRate = 0.05
        settings.seed = 6
        let evolutions = [
            SparseEvolution(rule: .set(zeta: 0.3)),
            SparseEvolution(rule: .set(zeta: 0.3), regrowth: .smallRandom(std: 0.1), resetOptimizerEachEpoch: true),
            SparseEvolution(rule: .censet(k: 1)),
            SparseEvolution(rule: .censet(k: 0.5, centrality: .networkitLegacy, includeOutputLayer: true)),
        ]
        for evolution in evolutions {
            func run() throws -> (Network, [RewiredEpochRecord]) {
                var model = Network(architecture: architecture, initializer: .glorotUniform, seed: 6)
                var seen = 0
                let history = try SparseEvolution.train(&model, data: data, settings: settings, evolution: evolution, onEpoch: { _ in seen += 1 })
                XCTAssertEqual(seen, settings.epochs)
                return (model, history)
            }
            let (a, historyA) = try run(), (b, historyB) = try run()
            let label = "\(evolution.rule)"
            XCTAssertGreaterThan(historyA.last!.testAccuracy, 0.5, "chance is 0.2; \(label)")
            let targets = try evolution.connectionTargets(of: Network(architecture: architecture, initializer: .glorotUniform, seed: 6))
            for record in historyA.dropLast() {
                let rewiring = try XCTUnwrap(record.rewiring, label)
                XCTAssertEqual(rewiring.connections, targets.map(\.count), label)
                XCTAssertEqual(rewiring.removed, rewiring.regrown, label)
                if case .set = evolution.rule { XCTAssertTrue(rewiring.removed.allSatisfy { $0 > 0 }, label) }
                if case .censet = evolution.rule { XCTAssertNotNil(rewiring.centrality, label) }
            }
            XCTAssertNil(historyA.last!.rewiring, "nothing is rewired after the last epoch")
            func strip(_ h: [RewiredEpochRecord]) -> [RewiredEpochRecord] {
                h.map { var r = $0; r.seconds = 0; r.rewiring?.seconds = 0; return r }
            }
            XCTAssertEqual(strip(historyA), strip(historyB), label)
            for position in [0, 2] {
                let x = a.layers[position] as! SparseDense, y = b.layers[position] as! SparseDense
                XCTAssertEqual(x.columns, y.columns, label)
                XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern), label)
            }
            let encoded = try JSONEncoder().encode(historyA)
            XCTAssertEqual(try JSONDecoder().decode([RewiredEpochRecord].self, from: encoded), historyA)
        }
    }

    /// A run history's JSON is the training record's object with a `rewiring` key beside its
    /// fields, and a plain training record reads as a history entry without a rewiring.
    func testRewiredEpochRecordJSONIsTheTrainingRecordPlusRewiring() throws {
        let training = EpochRecord(
            epoch: 2, trainLoss: 0.5, trainAccuracy: 0.8, testLoss: 0.6, testAccuracy: 0.75, connections: 40, seconds: 1.5)
        var rewiring = RewiringRecord(layers: [0])
        (rewiring.connections, rewiring.removed, rewiring.regrown, rewiring.seconds) = ([40], [3], [3], 0.25)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(
            with: JSONEncoder().encode(RewiredEpochRecord(training, rewiring: rewiring))) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["epoch", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "connections", "seconds", "rewiring"])
        XCTAssertEqual(object["testAccuracy"] as? Double, 0.75)
        let plain = try JSONDecoder().decode(RewiredEpochRecord.self, from: JSONEncoder().encode(training))
        XCTAssertEqual(plain, RewiredEpochRecord(training))
        XCTAssertNil(plain.rewiring)
        XCTAssertEqual(plain.testAccuracy, 0.75)
    }
}
