import ArgumentParser
import GraphPruneExperiments

/// `--full` / `--variant NAME`: which of a study's variants a command runs or reports (none:
/// the study's default budget). `--full` is `--variant full`, the papers' budgets.
struct StudyVariantOptions: ParsableArguments {
    @Flag(help: "The study's full variant (its `full:` settings, the papers' budgets); the same as --variant full.")
    var full = false

    @Option(help: "A variant the study defines under `variants:` (e.g. cifar10), its settings over the study's.")
    var variant: String?

    /// The chosen variant, checked against the study's.
    /// - Throws: `OptionError` when both options disagree or the study has no such variant.
    func resolve(_ spec: StudySpec, file: String) throws -> String? {
        if full, let variant, variant != "full" {
            throw OptionError("--variant", "\(variant) contradicts --full (which is --variant full); give one")
        }
        let chosen = full ? "full" : variant
        do { try spec.requireVariant(chosen, file: file) } catch { throw OptionError("--variant", "\(error)") }
        return chosen
    }

    /// The arguments that select `variant` again (for a worker process).
    static func arguments(_ variant: String?) -> [String] {
        variant.map { ["--variant", $0] } ?? []
    }
}
