import XCTest
@testable import GraphPruneNumerics
@testable import GraphPruneIO
@testable import GraphPruneNetwork

final class TrainingSessionTests: XCTestCase {
    private func synthetic() -> DataSplit {
        var split = SyntheticClassification.make(classes: 4, features: 12, trainCount: 240, testCount: 80, seed: 5)
        let s = Standardization(fitting: split.train)
        s.apply(to: &split.train)
        s.apply(to: &split.test)
        return split
    }

    private func parameters(_ model: Network) -> [[Float]] {
        var out = [[Float]]()
        for i in model.layers.indices {
            var layer = model.layers[i]
            layer.visitParameters { values, _ in out.append(values) }
        }
        return out
    }

    private func withoutTime(_ records: [EpochRecord]) -> [EpochRecord] {
        records.map { var r = $0; r.seconds = 0; return r }
    }

    func testASessionLoopReproducesFitBitForBit() throws {
        let data = synthetic()
        let architecture = try Architecture.parse("12-16-10-4", inputShape: nil, dropout: 0.2, sparseEpsilon: 3)
        for kind in TrainingSettings.OptimizerKind.allCases {
            var settings = TrainingSettings(epochs: 3)
            settings.batchSize = 32
            settings.optimizer = kind
            settings.seed = 11
            var a = Network(architecture: architecture, initializer: .glorotUniform, seed: 2)
            var b = a
            let fitted = try Trainer.fit(&a, data: data, settings: settings)
            var session = try TrainingSession(for: b, data: data, settings: settings)
            var stepped = [EpochRecord]()
            var batchCalls = 0
            for _ in 0..<3 { stepped.append(try session.runEpoch(&b, onBatch: { _, _, _ in batchCalls += 1 })) }
            XCTAssertEqual(parameters(a).map { $0.map(\.bitPattern) }, parameters(b).map { $0.map(\.bitPattern) }, "\(kind)")
            XCTAssertEqual(withoutTime(fitted), withoutTime(stepped), "\(kind)")
            XCTAssertEqual(session.epochsCompleted, 3)
            XCTAssertEqual(batchCalls, 3 * 8)  // 240 / 32 → 8 batches
            XCTAssertEqual(stepped.map(\.epoch), [1, 2, 3])
        }
    }

    func testFrozenLayersStayBitIdenticalWhileTheOthersMove() throws {
        let data = synthetic()
        let architecture = try Architecture.multilayerPerceptron("12-16-10-4", dropout: 0.1)
        // Positions: 0 Dense, 1 ReLU, 2 Dropout, 3 Dense, 4 ReLU, 5 Dropout, 6 Dense.
        for frozen in [[0], [3], [0, 3], [6], [0, 3, 6]] {
            var settings = TrainingSettings(epochs: 2)
            settings.batchSize = 24
            settings.frozenLayers = frozen
            let initial = Network(architecture: architecture, initializer: .glorotUniform, seed: 4)
            var model = initial
            try Trainer.fit(&model, data: data, settings: settings)
            for ((position, before), (_, after)) in zip(initial.denseLayers, model.denseLayers) {
                if frozen.contains(position) {
                    XCTAssertEqual(before.weight.elements.map(\.bitPattern), after.weight.elements.map(\.bitPattern), "\(frozen): layer \(position)")
                    XCTAssertEqual(before.bias.map(\.bitPattern), after.bias.map(\.bitPattern), "\(frozen): layer \(position)")
                } else {
                    XCTAssertNotEqual(before.weight, after.weight, "\(frozen): layer \(position) must train")
                }
            }
        }
    }

    /// SGD that leaves the tensors in `skip` alone: "frozen" by the optimiser, with the full
    /// backward pass still run.
    private struct SkippingSGD: Optimizer {
        var inner = SGD(momentum: 0.9)
        let skip: Set<Int>
        mutating func beginStep() { inner.beginStep() }
        mutating func update(index: Int, values: inout [Float], gradient: [Float], learningRate: Float) {
            if !skip.contains(index) { inner.update(index: index, values: &values, gradient: gradient, learningRate: learningRate) }
        }
        mutating func remapState(index: Int, by map: PositionMap) { inner.remapState(index: index, by: map) }
    }

    func testFreezingTheBottomSkipsItsBackwardPassWithoutChangingTheHead() throws {
        // Frozen layer 0: the backward pass stops at layer 3. The head must move exactly as when
        // the full backward pass runs and only the optimiser leaves layer 0's tensors alone.
        let data = synthetic()
        let architecture = try Architecture.multilayerPerceptron("12-16-10-4", dropout: 0.1)
        var a = Network(architecture: architecture, initializer: .glorotUniform, seed: 4)
        var b = a
        var generatorA = SplitMix64(seed: 8), generatorB = SplitMix64(seed: 8)
        var sgd = SGD(momentum: 0.9), skipping = SkippingSGD(skip: [0, 1])
        for start in stride(from: 0, to: 240, by: 40) {
            let fill: (inout Matrix<Float>, inout [Int32]) -> Void = { x, y in data.train.gather(start..<(start + 40), into: &x, labels: &y) }
            let ra = a.trainStep(batch: 40, fill: fill, optimizer: &sgd, learningRate: 0.05, generator: &generatorA, frozenLayers: [0])
            let rb = b.trainStep(batch: 40, fill: fill, optimizer: &skipping, learningRate: 0.05, generator: &generatorB)
            XCTAssertEqual(ra.loss, rb.loss)
        }
        XCTAssertEqual(parameters(a).map { $0.map(\.bitPattern) }, parameters(b).map { $0.map(\.bitPattern) })
        let initial = Network(architecture: architecture, initializer: .glorotUniform, seed: 4)
        XCTAssertEqual(parameters(a)[0], parameters(initial)[0])
        XCTAssertNotEqual(parameters(a)[2], parameters(initial)[2])
    }

    func testBadSettingsThrowNamingTheSetting() throws {
        let data = synthetic()
        let model = Network(architecture: try Architecture.multilayerPerceptron("12-4"), initializer: .glorotUniform, seed: 1)
        var settings = TrainingSettings(epochs: 1)
        settings.frozenLayers = [1]
        XCTAssertThrowsError(try TrainingSession(for: model, data: data, settings: settings)) {
            XCTAssertTrue("\($0)".contains("frozen layer 1"), "\($0)")
        }
        settings.frozenLayers = []
        settings.batchSize = 0
        XCTAssertThrowsError(try TrainingSession(for: model, data: data, settings: settings)) {
            XCTAssertTrue("\($0)".contains("batch size"), "\($0)")
        }
        settings.batchSize = 10
        let wide = Network(architecture: try Architecture.multilayerPerceptron("13-4"), initializer: .glorotUniform, seed: 1)
        XCTAssertThrowsError(try TrainingSession(for: wide, data: data, settings: settings)) {
            XCTAssertTrue("\($0)".contains("12 features"), "\($0)")
        }
    }

    func testResetOptimizerForgetsTheMomentum() throws {
        let data = synthetic()
        let architecture = try Architecture.multilayerPerceptron("12-8-4")
        var settings = TrainingSettings(epochs: 2)
        settings.batchSize = 240  // one step per epoch
        settings.learningRate = 0.1
        var a = Network(architecture: architecture, initializer: .glorotUniform, seed: 3)
        var b = a
        var kept = try TrainingSession(for: a, data: data, settings: settings)
        var reset = try TrainingSession(for: b, data: data, settings: settings)
        _ = try kept.runEpoch(&a)
        _ = try reset.runEpoch(&b)
        XCTAssertEqual(parameters(a), parameters(b))
        reset.resetOptimizer()
        // Second step: with momentum 0.9, u = g₂ + 0.9 g₁ (kept) versus u = g₂ (reset).
        let before = parameters(a)
        _ = try kept.runEpoch(&a)
        _ = try reset.runEpoch(&b)
        let stepKept = zip(parameters(a)[0], before[0]).map { $1 - $0 }
        let stepReset = zip(parameters(b)[0], before[0]).map { $1 - $0 }
        XCTAssertNotEqual(stepKept, stepReset)
        // The reset step is a plain gradient step: recompute g₂ on the same batch (one batch,
        // no dropout, so the gradient does not depend on the order) from `before`.
        var probe = a
        probe.modifyLayer(at: 0, as: Dense.self) { $0.weight.elements = before[0]; $0.bias = before[1] }
        probe.modifyLayer(at: 2, as: Dense.self) { $0.weight.elements = before[2]; $0.bias = before[3] }
        var plain = SGD(momentum: 0)
        var generator = SplitMix64(seed: 0)
        _ = probe.trainStep(batch: data.train.count, fill: { x, y in data.train.gather(0..<data.train.count, into: &x, labels: &y) },
                            optimizer: &plain, learningRate: 0.1, generator: &generator)
        let stepPlain = zip(parameters(probe)[0], before[0]).map { $1 - $0 }
        XCTAssertEqual(stepReset.count, stepPlain.count)
        for (r, p) in zip(stepReset, stepPlain) { XCTAssertEqual(r, p, accuracy: 1e-6) }
    }
}
