import ArgumentParser
import Foundation
import GraphPruneInterchange
import GraphPruneIO
import GraphPruneNetwork
import GraphPrunePruning

/// `graphprune lottery`: iterative magnitude pruning with rewinding from a saved initial model.
struct LotteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lottery",
        abstract: "Iterative magnitude pruning with rewinding (the lottery ticket, as OpenLTH's lottery): train, remove --pruning-fraction of the remaining weights by one global magnitude threshold, rewind, retrain, --levels times.",
        discussion: """
            Start from initial weights: `graphprune train --arch … --epochs 0 --save INIT`, or a model of \
            your own (.onnx or .safetensors; its weights are the initialisation). Level 0 trains --epochs; \
            each level rewinds to the weights after --rewind-epoch epochs (0: the initial ones) and \
            retrains --epochs minus that. One line per level on stdout: level, density of the pruned \
            layers, weights kept, test accuracy. The controls (reinitialised, random masks) are the \
            study procedure imp's imp-control.
            """)

    @Option(help: "The initial model: a graphprune checkpoint (.safetensors) or an ONNX model (.onnx).")
    var model: String

    @OptionGroup var data: DatasetOptions

    @OptionGroup var preprocessing: PreprocessingOptions

    @OptionGroup var training: TrainingOptions

    @Option(help: "Pruning levels after the dense training.")
    var levels: Int

    @Option(help: "Fraction of the remaining weights each level removes.")
    var pruningFraction = 0.2

    @Option(help: "Epochs of training whose weights every level rewinds to (0 = the initial weights).")
    var rewindEpoch = 0

    @Flag(help: "Leave the output layer dense.")
    var keepOutputDense = false

    @Option(help: "Write rewind.safetensors and level-K.safetensors (each level's trained model) into this directory.")
    var saveDir: String?

    func validate() throws {
        guard levels >= 0 else { throw OptionError("--levels", "\(levels) must be at least 0") }
        guard pruningFraction > 0 && pruningFraction < 1 else { throw OptionError("--pruning-fraction", "\(pruningFraction) is outside (0, 1)") }
        guard rewindEpoch >= 0 else { throw OptionError("--rewind-epoch", "\(rewindEpoch) must be at least 0") }
    }

    func run() throws {
        let settings = try training.settings()
        guard rewindEpoch < settings.epochs else {
            throw OptionError("--rewind-epoch", "\(rewindEpoch) leaves no epoch to retrain of \(settings.epochs) (--epochs must exceed it)")
        }
        if let saveDir { try requireWritableDirectory(for: URL(fileURLWithPath: saveDir).appendingPathComponent("x").path, option: "--save-dir") }
        var (initial, metadata) = try ModelFile.load(URL(fileURLWithPath: model))
        let split = try data.load(seed: settings.seed, preprocessing: try preprocessing.resolve(model: model, metadata: &metadata))
        guard initial.architecture.inputSize == split.train.features.columns else {
            throw OptionError("--model", "\(model) expects \(initial.architecture.inputSize) inputs but \(data.dataset.rawValue) has \(split.train.features.columns) features")
        }
        let imp = IterativeMagnitudePruning(pruningFraction: pruningFraction, rewindEpochs: rewindEpoch, keepOutputDense: keepOutputDense)
        var retraining = settings
        retraining.epochs = settings.epochs - rewindEpoch
        report("lottery: \(initial.architecture.summary), \(levels) levels removing \(pruningFraction) of the remaining weights, rewinding to epoch \(rewindEpoch)")
        let (rewind, start) = try imp.start(initial, data: split, settings: settings)
        let all = try imp.prunedWeightCount(of: initial)
        try save(rewind, "rewind", metadata: metadata)
        print("level  density   kept weights  test accuracy")
        var level = start
        for k in 0...levels {
            if k > 0 { level = try imp.next(after: level, rewind: rewind, data: split, retraining: retraining) }
            print(String(format: "%5d  %7.4f  %13d  %13.4f", k, level.density, level.keptWeights ?? all, level.history.last!.testAccuracy))
            try save(level.trained, "level-\(k)", metadata: metadata)
        }
    }

    private func save(_ network: Network, _ name: String, metadata: [String: String]) throws {
        guard let saveDir else { return }
        try ModelFile.save(network, to: URL(fileURLWithPath: saveDir).appendingPathComponent("\(name).safetensors"), metadata: metadata)
    }
}
