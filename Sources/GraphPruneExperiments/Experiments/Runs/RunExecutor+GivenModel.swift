import Foundation
import GraphPruneIO
import GraphPruneInterchange
import GraphPruneNetwork

/// A study's own model (the `model` setting): the pruning procedures prune it instead of
/// training `arch` for `epochs`, its inputs prepared as `input-normalization` or the model's
/// record says, and every run stores the file's SHA-256 (`RunResult.model`) so that a result
/// names exactly what it pruned.
extension RunExecutor {
    struct GivenModel {
        var network: Network
        var metadata: [String: String]
        var source: RunResult.ModelSource
    }

    /// The `model` of `settings`, or nil when the run trains its own.
    func givenModel(_ settings: RunSettings) throws -> GivenModel? {
        guard case .word(let path)? = settings.values["model"], !path.isEmpty else { return nil }
        if let cached = modelCache.get(path) { return cached }
        let url = URL(fileURLWithPath: path)
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw StudyRunError("model: \(path) cannot be read (\(error.localizedDescription))")
        }
        let (network, metadata) = try ModelFile.read(bytes, url: url)  // the bytes hashed are the bytes used
        let digest = SHA256.digest([UInt8](bytes)).map { String(format: "%02x", $0) }.joined()
        let model = GivenModel(network: network, metadata: metadata, source: .init(path: path, sha256: digest))
        modelCache.set(path, model)
        return model
    }

    /// How the data is prepared for the run's model: per-feature standardisation for a model the
    /// run trains; for a given one, `input-normalization` when set, else what the model records
    /// (a graphprune checkpoint without a record: standardisation).
    func preprocessing(_ settings: RunSettings) throws -> InputPreprocessing {
        guard let model = try givenModel(settings) else { return .standardization }
        if case .word(let text)? = settings.values["input-normalization"], !text.isEmpty {
            do { return try InputPreprocessing(metadataValue: text) } catch { throw StudyRunError("input-normalization: \(error)") }
        }
        if let recorded = model.metadata[InputPreprocessing.metadataKey] {
            do { return try InputPreprocessing(metadataValue: recorded) } catch {
                throw StudyRunError("model: \(model.source.path): metadata '\(InputPreprocessing.metadataKey)': \(error)")
            }
        }
        guard ModelFile.format(of: URL(fileURLWithPath: model.source.path)) == .checkpoint else {
            throw StudyRunError("model: \(model.source.path) records no input preprocessing; set input-normalization ('standardize' or 'scale=1 mean=M std=S')")
        }
        return .standardization
    }
}

/// Models loaded by a process's runs, by path (shared by copies of the executor: `validate`
/// does not mutate it).
final class ModelCache: @unchecked Sendable {
    private var models: [String: RunExecutor.GivenModel] = [:]
    private let lock = NSLock()

    func get(_ path: String) -> RunExecutor.GivenModel? { lock.withLock { models[path] } }
    func set(_ path: String, _ model: RunExecutor.GivenModel) { lock.withLock { models[path] = model } }
}
