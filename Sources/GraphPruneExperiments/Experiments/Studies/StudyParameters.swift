import Foundation
import GraphPruneGraphs
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// The catalogue of run settings (see `StudyParameter`). Procedures:
/// - `train`: the dense baseline — train `epochs`.
/// - `neuron-prune`: train `epochs`, prune `ratio` of the neurons of `layers` by `scorer`
///   (paper 002), rebuild the smaller model, fine-tune `finetune-epochs`.
/// - `transfer-prune`: pre-train `epochs` on `source-classes`, attach a new head for
///   `target-classes` trained on `shots` examples per class (light adaptation, `adapt-epochs`),
///   prune as `neuron-prune` (ratio 0 = the unpruned baseline), fine-tune `finetune-epochs`.
/// - `edge-prune`: train `epochs` (0 = prune at initialisation), prune the edges to `density`
///   by `method` with `edge-scorer` (paper 004), rewind to the initial weights (`rewind`), train
///   `finetune-epochs`.
/// - `set`, `censet`: sparse evolutionary training for `epochs` (paper 003).
/// - `static-sparse`: the same Erdős–Rényi sparse network trained without rewiring — the
///   control that tells whether SET's or CenSET's rewiring matters at all.
/// - `gmp`: gradual magnitude pruning during `epochs` of training, on Zhu & Gupta's cubic
///   schedule to `density`.
/// - `rigl`: RigL's drop-and-grow on the Erdős–Rényi sparse network, its convolutions masked at
///   ERK densities, during `epochs`.
/// - `imp`: iterative magnitude pruning with rewinding (the lottery ticket), level `imp-level`
///   of the line, or its `imp-control`.
public enum StudyParameters {
    /// The procedures' names (`StudyProcedures`), in registry order.
    public static let procedures = StudyProcedures.names

    static let pruning = StudyProcedures.names { $0.prunesNeurons }
    static let sparse = StudyProcedures.names { $0.sparseNetwork }
    static let evolving = StudyProcedures.names { $0.evolves }
    static let finetuning = StudyProcedures.names { $0.finetunes }
    static let pruningAModel = pruning.union(["edge-prune"])

    private static func number(_ name: String, _ value: Double, _ lo: Double, _ hi: Double, lo inLo: Bool = true,
                               hi inHi: Bool = true, _ help: String, for procedures: Set<String>? = nil) -> StudyParameter {
        StudyParameter(name: name, kind: .number(minimum: lo, maximum: hi, includesMinimum: inLo, includesMaximum: inHi),
                       defaultValue: .number(value), procedures: procedures, help: help)
    }
    private static func integer(_ name: String, _ value: Int, min: Int, _ help: String, for procedures: Set<String>? = nil) -> StudyParameter {
        StudyParameter(name: name, kind: .integer(minimum: min), defaultValue: .integer(value), procedures: procedures, help: help)
    }
    private static func word(_ name: String, _ value: String, _ allowed: [String]?, _ help: String, for procedures: Set<String>? = nil) -> StudyParameter {
        StudyParameter(name: name, kind: .word(allowed: allowed), defaultValue: .word(value), procedures: procedures, help: help)
    }
    private static func flag(_ name: String, _ value: Bool, _ help: String, for procedures: Set<String>? = nil) -> StudyParameter {
        StudyParameter(name: name, kind: .flag, defaultValue: .flag(value), procedures: procedures, help: help)
    }

    public static let all: [StudyParameter] = [
        word("procedure", "train", procedures, "what a run does (\(procedures.joined(separator: ", ")))"),
        // Data and model
        word("dataset", Dataset.fashionMNIST.rawValue, Dataset.allCases.map(\.rawValue), "data set"),
        integer("train-samples", 0, min: 0, "use the first N training samples (0 = all)"),
        word("model", "", nil, "a model file to prune (.safetensors or .onnx, path from the working directory) instead of training arch for epochs; each run stores its SHA-256", for: pruningAModel),
        word("input-normalization", "", nil, "how the model's inputs are prepared: standardize, or scale=S mean=M,… std=S,… on values in [0, 1] (empty: as the model records)", for: pruningAModel)
            .readOnly(when: .setting("model", isNot: [""])),
        word("arch", "784-256-128-100-10", nil, "architecture: a built-in network (resnet20, vgg11, vgg16) or a spec (784-256-10, c32-c32-p-128-10)"),
        word("activation", "relu", ["relu", "srelu"], "hidden activation"),
        number("dropout", 0.3, 0, 1, hi: false, "dropout after hidden Dense layers"),
        word("initializer", "glorot", ["glorot", "kaiming"], "weight initialiser (Glorot uniform = Keras, Kaiming normal = OpenLTH)"),
        // Training
        integer("epochs", 10, min: 0, "training epochs (pre-training for the pruning procedures)"),
        integer("batch", 100, min: 1, "batch size"),
        word("optimizer", "sgd", ["sgd", "adam"], "optimiser"),
        number("lr", 0.01, 0, 10, lo: false, "learning rate"),
        number("momentum", 0.9, 0, 1, hi: false, "SGD momentum"),
        flag("nesterov", false, "Nesterov momentum"),
        number("weight-decay", 0, 0, 1, "L2 weight decay"),
        StudyParameter(name: "milestones", kind: .integers, defaultValue: .integers([]), procedures: nil,
                       help: "epochs (0-based) at which the learning rate is multiplied by gamma"),
        number("gamma", 0.1, 0, 1, lo: false, "learning-rate factor at each milestone"),
        flag("augment", false, "CenSET augmentation (rotation, shifts, flips)"),
        flag("measure-inference", false, "time the final model's inference: median ms at batch 1 (inference_ms) and samples/s at batch 100 (inference_samples_per_s), on this machine's threads"),
        // Fine-tuning after pruning
        integer("finetune-epochs", 5, min: 0, "training epochs after pruning", for: finetuning),
        number("finetune-lr", 0, 0, 10, "learning rate after pruning (0 = lr)", for: finetuning),
        // Neuron pruning (paper 002)
        word("layers", "hidden", nil, "layers to prune: hidden, last-hidden, conv, all, or names like layers.0,layers.3", for: pruning),
        number("ratio", 0.5, 0, 1, hi: false, "fraction of each pruned layer's neurons removed", for: pruning)
            .readOnly(when: .setting("scorer", isNot: ["none"])),
        number("match-density", 0, 0, 1, "if > 0, the ratio is computed so the pruned model keeps as many parameters as edge pruning to this density", for: pruning)
            .readOnly(when: .setting("scorer", isNot: ["none"])),
        word("scorer", "eigenvector", ["none"] + NeuronScorerRegistry.standard.names, "neuron importance scorer (taylor, activation and apoz read 10 training batches); none = the unpruned baseline, fine-tuned with the same budget", for: pruning),
        number("tau", 0.5, -1, 1, hi: false, "similarity threshold τ of the neuron graph", for: pruning)
            .readOnly(when: .setting("scorer", is: ["eigenvector", "laplacian", "degree"])),
        word("laplacian-variant", "standard", LaplacianCentrality.Variant.allCases.map(\.rawValue), "Laplacian centrality variant", for: pruning)
            .readOnly(when: .setting("scorer", is: ["laplacian"])),
        integer("min-width", 1, min: 1, "fewest neurons a pruned layer may keep", for: pruning)
            .readOnly(when: .setting("scorer", isNot: ["none"])),
        word("neuron-scope", NeuronScope.layer.rawValue, NeuronScope.allCases.map(\.rawValue),
             "layer: every pruned layer loses ratio of its neurons; global: ratio of all of them, ranked together", for: pruning)
            .readOnly(when: .setting("scorer", isNot: ["none"])),
        word("score-normalization", ScoreNormalization.mean.rawValue, ScoreNormalization.allCases.map(\.rawValue),
             "global ranking: each layer's scores divided by their mean, max or l2 norm", for: pruning)
            .readOnly(when: .setting("scorer", isNot: ["none"]), .setting("neuron-scope", is: ["global"])),
        // Transfer protocol
        StudyParameter(name: "source-classes", kind: .integers, defaultValue: .integers([0, 1, 2, 3, 4]),
                       procedures: ["transfer-prune"], help: "classes of the pre-training task"),
        StudyParameter(name: "target-classes", kind: .integers, defaultValue: .integers([5, 6, 7, 8, 9]),
                       procedures: ["transfer-prune"], help: "classes of the target task"),
        integer("shots", 0, min: 0, "training examples per target class (0 = all)", for: ["transfer-prune"]),
        integer("adapt-epochs", 0, min: 0, "epochs training the new head before pruning", for: ["transfer-prune"]),
        flag("freeze-backbone", true, "train only the head after the transfer", for: ["transfer-prune"]),
        StudyParameter(name: "head-units", kind: .integers, defaultValue: .integers([]), procedures: ["transfer-prune"],
                       help: "hidden Dense widths of the new head (paper 002's appended Dense 256; empty: only a new output layer)"),
        number("head-dropout", 0, 0, 1, hi: false, "dropout after each hidden layer of the new head (with head-units)", for: ["transfer-prune"]),
        // Edge pruning (paper 004)
        number("density", 0.1, 0, 1, lo: false, "fraction of each layer's weights kept (gmp: at the end of the schedule)", for: ["edge-prune", "gmp"]),
        word("method", "spectral", EdgePruning.Method.allCases.map(\.rawValue), "edge selection: spectral (per layer), greedy (top scores per layer), global (top scores over all layers), random (the control), global-spectral (one sample over the whole network)", for: ["edge-prune"]),
        word("edge-scorer", "magnitude", ModelEdgeScorerRegistry.standard.names, "edge importance (lamp: layer-adaptive magnitude, for global thresholds; snip reads snip-batches batches and grasp one batch of `batch` training samples; grasp is signed, for greedy and global only, on chains of Dense and ReLU layers)", for: ["edge-prune"])
            .readOnly(when: .setting("method", isNot: ["random"])),
        word("density-distribution", DensityDistribution.uniform.rawValue, DensityDistribution.allCases.map(\.rawValue),
             "how the density is spread over the layers: uniform, er (Erdős–Rényi), erk (Erdős–Rényi-Kernel), as RigL", for: ["edge-prune"])
            .readOnly(when: .setting("method", is: ["spectral", "greedy", "random"])),
        word("resistances", "exact", ["exact", "approximate"], "effective resistances of layerwise spectral sampling: exact (Schur complement) or approximate (as global-spectral; paper 004's Table 1)", for: ["edge-prune"])
            .readOnly(when: .setting("method", is: ["spectral"])),
        flag("rewind", true, "apply the mask to the initial weights (paper 004) instead of the trained ones", for: ["edge-prune"]),
        flag("prune-output-layer", true, "prune the output layer too", for: ["edge-prune", "gmp", "imp"]),
        integer("synflow-iterations", 100, min: 1, "SynFlow pruning rounds", for: ["edge-prune"])
            .readOnly(when: .setting("edge-scorer", is: ["synflow"]), .setting("method", isNot: ["random"])),
        integer("snip-batches", 1, min: 1, "batches SNIP averages over", for: ["edge-prune"])
            .readOnly(when: .setting("edge-scorer", is: ["snip"]), .setting("method", isNot: ["random"])),
        // Gradual magnitude pruning (Zhu & Gupta 2017)
        number("gmp-start", 0.1, 0, 1, hi: false, "fraction of the training steps done when pruning starts (t₀)", for: ["gmp"]),
        number("gmp-end", 0.75, 0, 1, lo: false, "fraction of the training steps done when the final density is reached", for: ["gmp"]),
        integer("gmp-frequency", 100, min: 1, "steps between pruning steps (Δt)", for: ["gmp"]),
        word("gmp-scope", GradualMagnitudePruning.Scope.layerwise.rawValue, GradualMagnitudePruning.Scope.allCases.map(\.rawValue),
             "layerwise: every pruned layer at the schedule's density; global: one magnitude threshold over them", for: ["gmp"]),
        // Iterative magnitude pruning with rewinding (the lottery ticket)
        integer("imp-level", 1, min: 0, "the level of the line a run reports (0 = the dense network trained epochs)", for: ["imp"]),
        number("pruning-fraction", 0.2, 0, 1, lo: false, hi: false, "fraction of the remaining weights each level removes (one global magnitude threshold)", for: ["imp"]),
        integer("rewind-epoch", 0, min: 0, "epochs of training before the weights every level rewinds to (0 = the initialisation)", for: ["imp"]),
        word("imp-control", IterativeMagnitudePruning.Control.none.rawValue, IterativeMagnitudePruning.Control.allCases.map(\.rawValue),
             "none: the level itself; reinit: its masks on a fresh initialisation; random-mask: random masks of its per-layer counts on the rewind point", for: ["imp"]),
        // RigL (Evci et al. 2020)
        number("rigl-drop-fraction", 0.3, 0, 1, "fraction α of each sparse layer's connections moved at step 0, decayed by a cosine", for: ["rigl"]),
        integer("rigl-frequency", 100, min: 1, "steps between connection updates (ΔT)", for: ["rigl"]),
        number("rigl-end", 0.75, 0, 1, "fraction of the training steps after which the connections stay fixed", for: ["rigl"]),
        // Sparse training (paper 003)
        number("sparse-epsilon", 20, 0, 1e9, lo: false, "Erdős–Rényi ε of the sparse layers (unless sparse-density is set)", for: sparse),
        number("sparse-density", 0, 0, 1, "if > 0: the sparse layers' overall initial density, spread by sparse-distribution (instead of sparse-epsilon)", for: sparse),
        word("sparse-distribution", DensityDistribution.er.rawValue, DensityDistribution.allCases.map(\.rawValue),
             "how sparse-density is spread over the sparse layers (rigl: and the convolutions): er (Erdős–Rényi, as SET), erk (RigL's, with a convolution's kernel; er for Dense layers), uniform", for: sparse),
        number("zeta", 0.05, 0, 1, hi: false, "fraction of positive and of negative weights SET removes per epoch", for: ["set"]),
        number("censet-k", 2.7, 0, 100, "CenSET removes neurons with LC < mean − k·std", for: ["censet"]),
        word("centrality", "correct", ["correct", "networkit-legacy"], "Laplacian centrality: correct or NetworKit ≤ 11.2's", for: ["censet"]),
        word("censet-weights", "absolute", ["absolute", "signed"], "edge weights of CenSET's graph", for: ["censet"]),
        flag("record-lc", false, "record the Laplacian centrality distribution of the network's neurons (|w|, output layer excluded) before training and after every epoch", for: ["train", "static-sparse", "set", "censet"]),
        flag("censet-output-layer", false, "include the output layer in CenSET's graph", for: ["censet"]),
        word("regrow", "zero", ["zero", "random"], "weights of regrown connections: 0 (Keras code) or N(0, 0.1²) (the SET reference's sparse version)", for: evolving),
        flag("reset-momentum", false, "restart the optimiser every epoch, as the reference code does", for: evolving),
    ]

    public static let byName: [String: StudyParameter] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The parameter called `name`, or an error listing the known ones.
    static func named(_ name: String) throws(StudyParameterError) -> StudyParameter {
        guard let p = byName[name] else {
            throw StudyParameterError("unknown setting '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return p
    }
}

extension StudyParameters {
    /// The catalogue as a Markdown table (name, default, values, procedures, meaning): what
    /// `graphprune settings` prints and `Methods/README.md` includes.
    public static func markdownTable() -> String {
        var text = "| setting | default | values | procedures | meaning |\n|---|---|---|---|---|\n"
        for p in all {
            let values: String
            switch p.kind {
            case .integer(let minimum): values = "integer ≥ \(minimum)"
            case let .number(lo, hi, inLo, inHi): values = "\(inLo ? "[" : "(")\(lo.description), \(hi.description)\(inHi ? "]" : ")")"
            case .word(let allowed): values = allowed?.joined(separator: ", ") ?? "text"
            case .flag: values = "true, false"
            case .integers: values = "list of integers"
            }
            var procedures = p.procedures.map { set in Self.procedures.filter(set.contains).joined(separator: ", ") } ?? "all"
            if !p.readWhen.isEmpty { procedures += "; when " + p.readWhen.map(\.description).joined(separator: ", ") }
            let empty = if case .integers = p.kind { "[]" } else { "(none)" }
            let cells = [p.name, p.defaultValue.description.isEmpty ? empty : p.defaultValue.description, values, procedures, p.help]
            text += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return text
    }
}
