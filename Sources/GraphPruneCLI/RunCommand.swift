import ArgumentParser
import Foundation
import GraphPruneExperiments
import GraphPruneNumerics

/// `graphprune run`: runs what is missing of a study.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the missing runs of a study (a YAML file in Methods/); finished runs are skipped.",
        discussion: """
            Each cell × seed is a run named by the hash of its resolved settings and stored as \
            RESULTS/<hash>.json when it finishes (atomically), so a killed study resumes where it \
            stopped. --shard I/N runs a deterministic 1/N of the runs: N processes or machines \
            sharing the results directory split a study with no other coordination \
            (Slurm: --shard $((SLURM_ARRAY_TASK_ID))/$SLURM_ARRAY_TASK_COUNT with a 1-based array).
            """)

    @Argument(help: "The study file.")
    var study: String

    @Option(help: "Results directory.")
    var results = "Reports/runs"

    @Option(help: "Run only shard I of N (1-based), e.g. 2/8.")
    var shard: String?

    @Option(help: "Run the runs in J worker processes (each with OpenBLAS threads = cores / J).")
    var jobs = 1

    @Flag(help: "List the runs and which are done; run nothing.")
    var dryRun = false

    @Flag(help: "The study's full variant (its `full:` settings, the papers' budgets).")
    var full = false

    @Option(help: "Directory of the data set files (default: the data set's standard location).")
    var dataDir: String?

    @Option(help: .hidden)
    var worker: String?

    /// The hashes a worker runs (its share of the missing runs, chosen by the parent).
    @Option(help: .hidden)
    var workerRuns: String?

    func run() throws {
        let spec = try StudySpec.load(path: study)
        let shard = try shard.map { text in
            do { return try Shard(parsing: text) } catch { throw OptionError("--shard", "\(error)") }
        }
        let worker = try worker.map { text in
            do { return try Shard(parsing: text) } catch { throw OptionError("--worker", "\(error)") }
        }
        guard jobs >= 1 else { throw OptionError("--jobs", "\(jobs) must be at least 1") }
        var executor = RunExecutor(dataDirectory: dataDir)
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(spec, full: full))
        do { try executor.validate(planned.map(\.settings)) } catch { throw OptionError(study, "\(error)") }
        var mine = shard?.select(planned) ?? planned
        if let workerRuns {
            let hashes = Set(workerRuns.split(separator: ",").map(String.init))
            mine = mine.filter { hashes.contains($0.hash) }
        } else if let worker {
            mine = worker.select(mine)
        }
        let store = RunStore(directory: URL(fileURLWithPath: results))
        var missing = [PlannedRun]()
        for run in mine {
            switch store.lookup(run) {
            case .done: break
            case .missing: missing.append(run)
            case .invalid(let problem):
                report("\(store.url(of: run.hash).path): \(problem); \(dryRun ? "to be rerun" : "rerunning")")
                missing.append(run)
            }
        }
        let done = Set(mine.map(\.hash)).subtracting(missing.map(\.hash))

        if dryRun {
            print("study \(spec.name): \(planned.count) runs\(shard.map { ", shard \($0): \(mine.count)" } ?? ""), \(mine.count - missing.count) done, \(missing.count) to run")
            for run in mine {
                let state = done.contains(run.hash) ? "done   " : "missing"
                let settings = run.settings.nonDefault.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
                print("\(run.hash)  \(state)  seed=\(run.settings.seed) \(settings)")
            }
            return
        }
        try store.prepare()
        if jobs > 1 && worker == nil && missing.count > 1 {
            try runWorkers(missing: missing.map(\.hash), count: min(jobs, missing.count))
            return
        }
        if jobs > 1 || worker != nil {
            BLASThreads.set(max(1, ProcessInfo.processInfo.activeProcessorCount / max(jobs, worker?.count ?? 1)))
        }
        report("study \(spec.name): \(mine.count) runs, \(mine.count - missing.count) already done, \(missing.count) to run\(worker.map { " (worker \($0))" } ?? "")")
        let started = Date()
        var failures = 0
        for (k, run) in missing.enumerated() {
            let label = run.settings.nonDefault.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            report("[\(k + 1)/\(missing.count)] \(run.hash) seed=\(run.settings.seed) \(label)")
            executor.onEpoch = { phase, epochs, r in
                report(String(format: "  %@ epoch %d/%d  loss %.4f  test_acc %.4f  connections %d  %.2f s",
                              phase, r.epoch, epochs, r.trainLoss, r.testAccuracy, r.connections, r.seconds))
            }
            do {
                let result = try executor.execute(run)
                try store.save(result)
                let elapsed = Date().timeIntervalSince(started)
                let eta = elapsed / Double(k + 1) * Double(missing.count - k - 1)
                report(String(format: "  done: test_accuracy %.4f, %.1f s; elapsed %.0f s, ETA %.0f s",
                              result.metrics["test_accuracy"] ?? Double.nan, result.metrics["seconds"] ?? 0, elapsed, eta))
            } catch {
                failures += 1
                report("  failed: \(error)")
            }
        }
        if failures > 0 { throw OptionError(study, "\(failures) of \(missing.count) runs failed (see above); rerun to retry them") }
    }

    /// Starts `count` copies of this command, worker k running every `count`-th of the runs
    /// missing now (passed by hash, so finished runs cannot leave a worker idle), and waits for
    /// all of them.
    private func runWorkers(missing: [String], count: Int) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var processes = [Process]()
        for k in 1...count {
            let p = Process()
            p.executableURL = executable
            let share = Shard(index: k, count: count).select(missing)
            var arguments = ["run", study, "--results", results, "--worker", "\(k)/\(count)", "--jobs", String(count),
                             "--worker-runs", share.joined(separator: ",")]
            if let shard { arguments += ["--shard", shard] }
            if full { arguments.append("--full") }
            if let dataDir { arguments += ["--data-dir", dataDir] }
            p.arguments = arguments
            try p.run()
            processes.append(p)
        }
        var failed = 0
        for p in processes {
            p.waitUntilExit()
            if p.terminationStatus != 0 { failed += 1 }
        }
        if failed > 0 { throw OptionError("--jobs", "\(failed) of \(count) workers failed (see above)") }
    }
}
