import XCTest
@testable import GraphPruneExperiments
import GraphPruneNetwork

/// `measure-inference`: the final model's speed is recorded, and measuring it changes nothing else.
final class InferenceTimingTests: XCTestCase {
    private func run(_ given: [String: SettingValue]) throws -> RunResult {
        var executor = RunExecutor()
        let base: [String: SettingValue] = ["dataset": .word("synthetic"), "arch": .word("64-16-10"), "epochs": .integer(1), "finetune-epochs": .integer(1)]
        return try executor.execute(PlannedRun(given: base.merging(given) { _, new in new }, settings: RunSettings(given: base.merging(given) { _, new in new }, seed: 3)))
    }

    func testMeasuringInferenceRecordsTheSpeedAndChangesNothingElse() throws {
        for procedure: [String: SettingValue] in [["procedure": .word("train")], ["procedure": .word("edge-prune"), "density": .number(0.05)],
                                                  ["procedure": .word("neuron-prune"), "scorer": .word("magnitude")]] {
            let plain = try run(procedure)
            let timed = try run(procedure.merging(["measure-inference": .flag(true)]) { _, new in new })
            XCTAssertNil(plain.metrics["inference_ms"])
            let latency = try XCTUnwrap(timed.metrics["inference_ms"]), throughput = try XCTUnwrap(timed.metrics["inference_samples_per_s"])
            XCTAssertTrue(latency > 0 && latency.isFinite && throughput > 0 && throughput.isFinite, "\(latency) \(throughput)")
            for key in ["test_accuracy", "test_loss", "parameters", "connections"] {
                XCTAssertEqual(plain.metrics[key], timed.metrics[key], "\(procedure) \(key)")
            }
            XCTAssertEqual(plain.phases.flatMap(\.epochs).map(\.training.trainLoss), timed.phases.flatMap(\.epochs).map(\.training.trainLoss))
        }
    }
}
