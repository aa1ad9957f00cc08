import XCTest
@testable import GraphPruneNetwork

/// `SGD`, `Adam` and `LearningRateSchedule` against values worked out by hand.
final class NetworkOptimizerTests: XCTestCase {
    /// Runs `steps` optimiser steps on tensor 0, the gradient given as a function of θ.
    private func run<O: Optimizer>(
        _ optimizer: inout O, _ theta: [Float], steps: Int, rate: Float, gradient: ([Float]) -> [Float]
    ) -> [[Float]] {
        var values = theta
        var trace = [[Float]]()
        for _ in 0..<steps {
            optimizer.beginStep()
            optimizer.update(index: 0, values: &values, gradient: gradient(values), learningRate: rate)
            trace.append(values)
        }
        return trace
    }

    private func assertClose(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertClose(a.map(Double.init), b, tolerance: tolerance, file: file, line: line)
    }

    func testPlainSGDAndWeightDecay() {
        var sgd = SGD()
        // θ − 0.1 g: [1 − 0.05, −2 − 0.025].
        assertClose(run(&sgd, [1, -2], steps: 1, rate: 0.1) { _ in [0.5, 0.25] }[0], [0.95, -2.025])
        var decayed = SGD(weightDecay: 0.1)
        // g + 0.1 θ = [0.6, 0.05].
        assertClose(run(&decayed, [1, -2], steps: 1, rate: 0.1) { _ in [0.5, 0.25] }[0], [0.94, -2.005])
    }

    func testMomentumThreeSteps() {
        var sgd = SGD(momentum: 0.9)
        // g = 1: v = 1, 1.9, 2.71; θ = −0.1, −0.29, −0.561.
        let t = run(&sgd, [0], steps: 3, rate: 0.1) { _ in [1] }
        assertClose(t.map { $0[0] }, [-0.1, -0.29, -0.561])
    }

    func testNesterovThreeSteps() {
        var sgd = SGD(momentum: 0.9, nesterov: true)
        // g = 1: v = 1, 1.9, 2.71; u = g + 0.9 v = 1.9, 2.71, 3.439; θ = −0.19, −0.461, −0.8049.
        let t = run(&sgd, [0], steps: 3, rate: 0.1) { _ in [1] }
        assertClose(t.map { $0[0] }, [-0.19, -0.461, -0.8049])
    }

    func testMomentumWithWeightDecay() {
        var sgd = SGD(momentum: 0.5, weightDecay: 0.5)
        // ∇ = 0, so g = 0.5 θ. Step 1: g = 0.5, v = 0.5, θ = 0.95.
        // Step 2: g = 0.475, v = 0.25 + 0.475 = 0.725, θ = 0.95 − 0.0725 = 0.8775.
        let t = run(&sgd, [1], steps: 2, rate: 0.1) { _ in [0] }
        assertClose(t.map { $0[0] }, [0.95, 0.8775])
    }

    func testStateIsKeptPerTensorIndex() {
        var sgd = SGD(momentum: 0.9)
        var a: [Float] = [0], b: [Float] = [0, 0]
        for _ in 0..<2 {
            sgd.beginStep()
            sgd.update(index: 0, values: &a, gradient: [1], learningRate: 0.1)
            sgd.update(index: 1, values: &b, gradient: [-1, 2], learningRate: 0.1)
        }
        assertClose(a, [-0.29])
        assertClose(b, [0.29, -0.58])
    }

    func testAdamThreeStepsWithVaryingGradients() {
        var adam = Adam()
        // g = 1, −0.5, 0.25; η = 0.1, β = (0.9, 0.999), ε = 1e-7.
        // t=1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1 → θ = −0.1/(1 + 1e-7) = −0.09999999.
        // t=2: m = 0.04, v = 0.001249, m̂ = 0.04/0.19, v̂ = 0.001249/0.001999 → θ = −0.12663369.
        // t=3: m = 0.061, v = 0.0013102…  → θ = −0.16067660.
        let gradients: [Float] = [1, -0.5, 0.25]
        var i = 0
        let t = run(&adam, [0], steps: 3, rate: 0.1) { _ in defer { i += 1 }; return [gradients[i]] }
        assertClose(t.map { $0[0] }, [-0.099999990000001, -0.12663369059660912, -0.1606766002688862], 2e-6)
        XCTAssertEqual(adam.step, 3)
    }

    func testAdamWithWeightDecayAndAConstantGradientStepsByTheRate() {
        var adam = Adam(weightDecay: 0.1)
        // ∇ = 0.2, g = 0.2 + 0.1 θ: t=1 g = 0.3 → θ = 1 − 0.1·0.3/(0.3 + 1e-7) = 0.90000003;
        // t=2 g = 0.29 → θ = 0.80010277.
        let t = run(&adam, [1], steps: 2, rate: 0.1) { _ in [0.2] }
        assertClose(t.map { $0[0] }, [0.9000000333333222, 0.8001027742315762], 2e-6)
        // Bias correction makes the first steps of a constant gradient move by ≈ η each.
        var plain = Adam()
        let u = run(&plain, [5, -5], steps: 3, rate: 0.01) { _ in [3, -0.001] }
        assertClose(u[2], [4.97, -4.97], 1e-4)
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant(0.05).rate(epoch: 17), 0.05)
        let steps = LearningRateSchedule.steps(initial: 0.1, milestones: [5, 2], gamma: 0.1)
        // Computed in Double from the Float η₀ and γ, so equal to the decimal values to a Float ulp.
        for (epoch, expected) in [0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001].enumerated() {
            XCTAssertEqual(steps.rate(epoch: epoch), Float(expected), accuracy: Float(expected) * 2e-7)
        }
        let twice = LearningRateSchedule.steps(initial: 1, milestones: [3, 3], gamma: 0.5)
        XCTAssertEqual(twice.rate(epoch: 2), 1)
        XCTAssertEqual(twice.rate(epoch: 3), 0.25)
    }
}
