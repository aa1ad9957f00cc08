import Foundation
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPruneNumerics

/// Sparse evolutionary training: SET (Mocanu et al. 2018) and CenSET (Heath 2021, paper 003) —
/// train a network whose hidden layers are `SparseDense` (Erdős–Rényi initialised, the output
/// layer dense), and after every epoch remove some connections of every sparse layer and regrow
/// as many at random empty positions, so each layer keeps its initial connection count.
///
/// **Rules.**
/// - `.set(zeta:)` — per sparse layer, the SET code's threshold rule on the sorted values of the
///   layer's whole `out × in` weight matrix, absent connections counting as zeros (see
///   `setThresholds`): it removes ≈ the fraction ζ of the largest negative and of the smallest
///   positive weights (exactly `N₋ − ⌊(1−ζ)N₋⌋` negatives and `⌊ζN₊⌋ + 1` positives when the
///   matrix has zeros, ties at a threshold included), plus any stored weight that is exactly 0.
/// - `.censet(k:centrality:includeOutputLayer:weighting:)` — build the graph of the sparse
///   layers (`LayeredGraph`: nodes = the first sparse layer's inputs and every sparse layer's
///   outputs; optionally the dense output layer too), score every node by `LaplacianCentrality`
///   (unnormalised; `.standard` = Qi et al.'s undirected definition, `.networkitLegacy` = what
///   the CenBench code computed with NetworKit ≤ 11.2), and remove every connection, incoming or
///   outgoing, of each neuron with `LC < μ − k·σ` (mean and population standard deviation over
///   all nodes, input features included). No magnitude pruning. Only `SparseDense` layers are
///   rewired: an included dense output layer is scored, never changed.
///
/// **Regrowth.** Each sparse layer then regrows uniformly random empty positions (empty after
/// the removal: a just-removed connection may come back as a new one) until it holds its
/// connection count from the start of training again; new weights are 0 (the reference code) or
/// `N(0, σ²)` (`.smallRandom(std:)`; SET's truly sparse code uses σ = 0.1). Draws come from a
/// `SplitMix64` seeded by the run's seed (its own stream: training's streams are unaffected).
///
/// **Order within an epoch** (as the reference code's Keras loop): train the epoch, evaluate on
/// the test set (the epoch's record), then rewire. Nothing is rewired after the last epoch, so
/// the returned model is the one the last record evaluated (the paper's Algorithm 1 skips the
/// last regrowth; the reference loop rewires after every epoch, which changes no reported
/// number).
///
/// **Optimiser state.** By default the momentum (SGD) or moments (Adam) of surviving
/// connections are carried over (`PositionMap`, `Optimizer.remapState`) and new connections
/// start from zero state. The reference code rebuilds model and optimiser every epoch, so all
/// state restarts; `resetOptimizerEachEpoch: true` reproduces that (Adam's step count restarts
/// too).
public struct SparseEvolution: Equatable, Sendable {
    public enum Rule: Equatable, Sendable {
        /// SET: remove the fraction ζ ∈ [0, 1] of the largest negative and smallest positive weights.
        case set(zeta: Double)
        /// CenSET: remove the connections of neurons with Laplacian centrality below `μ − kσ`.
        /// The graph's edge weights default to `|w|` (`.absolute`), as the CLI and the studies
        /// default: Laplacian centrality is defined for non-negative weights; `.signed` is the
        /// CenSET code's choice, kept as a switch.
        case censet(
            k: Double, centrality: LaplacianCentrality.Variant = .standard,
            includeOutputLayer: Bool = false, weighting: LayeredGraph.EdgeWeighting = .absolute)
    }

    public enum Regrowth: Equatable, Sendable {
        /// New connections start at weight 0 (SET's and CenSET's Keras code).
        case zero
        /// New weights drawn from `N(0, std²)`.
        case smallRandom(std: Double)
    }

    public var rule: Rule
    public var regrowth: Regrowth
    /// Restart the optimiser after every rewiring (the reference code) instead of keeping the
    /// survivors' state.
    public var resetOptimizerEachEpoch: Bool

    public init(rule: Rule, regrowth: Regrowth = .zero, resetOptimizerEachEpoch: Bool = false) {
        self.rule = rule
        self.regrowth = regrowth
        self.resetOptimizerEachEpoch = resetOptimizerEachEpoch
    }

    /// Throws `SparseEvolutionError` naming the option when a parameter is out of range.
    public func validate() throws {
        switch rule {
        case .set(let zeta):
            guard zeta >= 0 && zeta <= 1 else { throw SparseEvolutionError("SET zeta \(zeta) is outside [0, 1]") }
        case .censet(let k, _, _, _):
            guard k.isFinite else { throw SparseEvolutionError("CenSET k \(k) is not finite") }
        }
        if case .smallRandom(let std) = regrowth, !(std >= 0 && std.isFinite) {
            throw SparseEvolutionError("regrowth std \(std) must be finite and ≥ 0")
        }
    }

    /// Trains `model` for `settings.epochs` epochs with this evolution after every epoch but the
    /// last (see the type's documentation for the order). `onBatch(epoch, batch, batches)` follows
    /// every step, `afterTraining(model, &record)` each epoch's training before the rewiring (to
    /// add what the trained model shows, e.g. its `centrality`), `onEpoch` every epoch's record
    /// (with its `rewiring`). Throws
    /// `SparseEvolutionError` for a model without sparse layers or bad options, `TrainingError`
    /// for bad settings, before training starts.
    @discardableResult
    public static func train(
        _ model: inout Network, data: DataSplit, settings: TrainingSettings, evolution: SparseEvolution,
        onBatch: (Int, Int, Int) -> Void = { _, _, _ in }, onEpoch: (RewiredEpochRecord) -> Void = { _ in },
        afterTraining: (Network, inout RewiredEpochRecord) throws -> Void = { _, _ in }
    ) throws -> [RewiredEpochRecord] {
        try evolution.validate()
        let targets = try evolution.connectionTargets(of: model)
        if case .censet = evolution.rule { _ = try evolution.graphLayers(of: model) }
        var session = try TrainingSession(for: model, data: data, settings: settings)
        var generator = SplitMix64(seed: settings.seed ^ 0x5345_545F_4556)  // "SET_EV": rewiring stream
        var history = [RewiredEpochRecord]()
        for epoch in 0..<settings.epochs {
            var record = RewiredEpochRecord(try session.runEpoch(&model, onBatch: onBatch))
            try afterTraining(model, &record)
            if epoch < settings.epochs - 1 {
                let started = DispatchTime.now().uptimeNanoseconds
                let step = try evolution.rewire(&model, targets: targets, generator: &generator)
                if evolution.resetOptimizerEachEpoch {
                    session.resetOptimizer()
                } else {
                    for (position, map) in zip(step.record.layers, step.maps) {
                        session.remapOptimizerState(of: model, layer: position, by: map)
                    }
                }
                record.rewiring = step.record
                record.rewiring!.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            }
            history.append(record)
            onEpoch(record)
        }
        return history
    }

    /// Each sparse layer's position and the connection count it is kept at (its current count).
    /// Throws when the model has no `SparseDense` layer.
    public func connectionTargets(of model: Network) throws -> [(position: Int, count: Int)] {
        let targets = model.sparseLayerPositions.map { i in (position: i, count: model.layer(at: i, as: SparseDense.self).connectionCount) }
        guard !targets.isEmpty else {
            throw SparseEvolutionError("the model \(model.architecture.summary) has no sparse layers (build it with a sparse ε)")
        }
        return targets
    }

    /// One rewiring of every sparse layer of `model`: remove by the rule, regrow each layer at
    /// `targets` (from `connectionTargets`) up to its count. Returns the record and, per sparse
    /// layer (in `record.layers` order), the map from the layer's old storage to its new one.
    /// - Complexity: SET O(Σ nnz log nnz); CenSET O(Σ in·out) to build the graph (dense scan)
    ///   plus O(n + m) for the centrality; regrowth O(regrown) expected draws per layer, or
    ///   O(in·out) when the layer is nearly full.
    public func rewire(
        _ model: inout Network, targets: [(position: Int, count: Int)], generator: inout SplitMix64
    ) throws -> (record: RewiringRecord, maps: [PositionMap]) {
        let removal: [[Bool]]
        var centrality: CentralityStatistics? = nil
        switch rule {
        case .set(let zeta):
            removal = try targets.map { target in
                try SparseEvolution.setRemoval(of: model.layer(at: target.position, as: SparseDense.self), zeta: zeta, position: target.position)
            }
        case .censet(let k, let variant, _, let weighting):
            let result = try censetRemoval(of: model, k: k, variant: variant, weighting: weighting)
            removal = result.removal
            centrality = result.statistics
        }
        var record = RewiringRecord(layers: targets.map(\.position))
        var maps = [PositionMap]()
        for (target, remove) in zip(targets, removal) {
            let (map, removed, regrown) = model.modifyLayer(at: target.position, as: SparseDense.self) { layer in
                let added = SparseEvolution.regrowthPositions(
                    of: layer, removing: remove, target: target.count, generator: &generator)
                let values = regrowthValues(count: added.count, generator: &generator)
                var k = 0
                let map = layer.rewire(removing: { _, _, _ in defer { k += 1 }; return remove[k] }, adding: added, values: values)
                return (map, remove.reduce(0) { $0 + ($1 ? 1 : 0) }, added.count)
            }
            maps.append(map)
            record.removed.append(removed)
            record.regrown.append(regrown)
            record.connections.append(map.newCount)
        }
        record.centrality = centrality
        return (record, maps)
    }

    /// The weights of `count` new connections, drawn from `generator` for `.smallRandom`.
    func regrowthValues(count: Int, generator: inout SplitMix64) -> [Float] {
        switch regrowth {
        case .zero:
            return [Float](repeating: 0, count: count)
        case .smallRandom(let std):
            var sampler = GaussianSampler()
            return (0..<count).map { _ in Float(std * sampler.next(using: &generator)) }
        }
    }
}

/// What one rewiring did, per sparse layer (all arrays in the order of `layers`).
public struct RewiringRecord: Codable, Equatable, Sendable {
    /// Positions of the sparse layers in `Network.layers`.
    public var layers: [Int]
    /// Connections after the rewiring.
    public var connections: [Int] = []
    public var removed: [Int] = []
    public var regrown: [Int] = []
    /// CenSET's centrality distribution before the removal (nil for SET).
    public var centrality: CentralityStatistics? = nil
    /// Time the rewiring took.
    public var seconds: Double = 0

    public init(layers: [Int]) { self.layers = layers }
}

/// The Laplacian centrality distribution CenSET thresholds: over all nodes of its graph.
public struct CentralityStatistics: Codable, Equatable, Sendable {
    public var nodes: Int
    public var mean: Double
    /// Population standard deviation (divides by the node count, as NumPy's default).
    public var std: Double
    public var min: Double
    public var max: Double
    /// `mean − k·std`.
    public var threshold: Double
    /// Neurons with `LC < threshold`, whose connections were removed.
    public var neuronsBelow: Int
}

/// A bad SET / CenSET option or a model they cannot evolve; the message names the problem.
public struct SparseEvolutionError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
