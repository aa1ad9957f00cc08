import ArgumentParser
import CProcess
import Foundation
import GraphPruneExperiments
import GraphPruneNetwork
import GraphPruneNumerics

/// `graphprune run`: runs what is missing of a study.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the missing runs of a study (a YAML file in Methods/); finished runs are skipped.",
        discussion: """
            Each cell × seed is a run named by the hash of its resolved settings and stored as \
            RESULTS/<hash>.json when it finishes (atomically), so a killed study resumes where it \
            stopped. A run is claimed before it starts (RESULTS/<hash>.claim, renewed every 30 s, \
            taken over when its process is gone), so any number of processes on any number of \
            machines sharing the results directory split a study with no duplicates and no \
            coordinator. --shard I/N runs a deterministic 1/N of the runs (Slurm: --shard \
            $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with a 1-based array). A run whose training \
            diverged is recorded as failed, listed by the report and never averaged.
            """)

    @Argument(help: "The study file.")
    var study: String

    @Option(help: "Results directory (default: the study's `results`, else Reports/runs).")
    var results: String?

    @Option(help: "Run only shard I of N (1-based), e.g. 2/8.")
    var shard: String?

    @Option(help: "Run the runs in J worker processes (each with OpenBLAS threads = cores / J).")
    var jobs = 1

    @Flag(help: "List the runs and which are done; run nothing.")
    var dryRun = false

    @OptionGroup var variantOptions: StudyVariantOptions

    @Option(help: "Directory of the data set files (default: the data set's standard location).")
    var dataDir: String?

    @Flag(help: "Rerun the runs whose failure was recorded (training diverged); by default a failure record is the run's outcome.")
    var retryFailed = false

    @Option(help: "Seconds after which another host's claim on a run, not renewed, is stale and taken over.")
    var staleAfter: Double = 300

    @Option(help: .hidden)
    var worker: String?

    /// The parent of a `--jobs` worker: the worker dies with it.
    @Option(help: .hidden)
    var parentPid: Int32?

    func run() throws {
        if let parentPid { try dieWithParent(parentPid) }
        let spec = try StudySpec.load(path: study)
        let shard = try shard.map { text in
            do { return try Shard(parsing: text) } catch { throw OptionError("--shard", "\(error)") }
        }
        let worker = try worker.map { text in
            do { return try Shard(parsing: text) } catch { throw OptionError("--worker", "\(error)") }
        }
        guard jobs >= 1 else { throw OptionError("--jobs", "\(jobs) must be at least 1") }
        guard staleAfter > RunClaims.heartbeatInterval else {
            throw OptionError("--stale-after", "\(staleAfter) must exceed the \(Int(RunClaims.heartbeatInterval)) s heartbeat")
        }
        let variant = try variantOptions.resolve(spec, file: study)
        var executor = RunExecutor(dataDirectory: dataDir)
        let planned = StudyGrid.distinctRuns(StudyGrid.expand(spec, variant: variant))
        do { try executor.validate(planned.map(\.settings)) } catch { throw OptionError(study, "\(error)") }
        let mine = shard?.select(planned) ?? planned
        let results = spec.resultsDirectory(option: self.results)
        let store = RunStore(directory: URL(fileURLWithPath: results))
        let claims = RunClaims(directory: store.directory, staleAfter: staleAfter)
        var missing = [PlannedRun](), failed = Set<String>()
        for run in mine {
            switch store.lookup(run) {
            case .done: break
            case .failed:
                if retryFailed { missing.append(run) } else { failed.insert(run.hash) }
            case .missing: missing.append(run)
            case .invalid(let problem):
                if worker == nil {
                    if dryRun {
                        report("\(store.url(of: run.hash).path): \(problem); to be rerun")
                    } else {
                        let aside = try store.setAside(run.hash)
                        report("\(store.url(of: run.hash).path): \(problem); moved to \(aside.lastPathComponent), rerunning")
                    }
                }
                missing.append(run)
            }
        }

        let done = mine.count - missing.count - failed.count
        if dryRun {
            print("study \(spec.name): \(planned.count) runs\(shard.map { ", shard \($0): \(mine.count)" } ?? ""), \(done) done, \(failed.count) failed, \(missing.count) to run")
            let toRun = Set(missing.map(\.hash))
            for run in mine {
                let state = toRun.contains(run.hash)
                    ? claims.holder(of: run.hash).map { "running on \($0)" } ?? "missing"
                    : failed.contains(run.hash) ? "failed " : "done   "
                print("\(run.hash)  \(state)  \(Self.describe(run))")
            }
            return
        }
        if !missing.isEmpty && worker == nil {
            // Workers load their own data: check it with a copy that forgets what it loaded.
            var probe = executor
            let spawnsWorkers = jobs > 1 && missing.count > 1
            do {
                if spawnsWorkers { try probe.requireData(missing.map(\.settings)) } else { try executor.requireData(missing.map(\.settings)) }
            } catch {
                throw OptionError("--data-dir", "\(error)")
            }
        }
        try store.prepare()
        if jobs > 1 && worker == nil && missing.count > 1 {
            try runWorkers(count: min(jobs, missing.count), variant: variant)
            return
        }
        if jobs > 1 || worker != nil {
            BLASThreads.set(max(1, ProcessInfo.processInfo.activeProcessorCount / max(jobs, worker?.count ?? 1)))
        }
        // A worker starts at its own place in the list and goes round it; claims keep two
        // workers (or two processes anywhere) from running the same run.
        let start = worker.map { ($0.index - 1) * missing.count / $0.count } ?? 0
        let order = Array(missing[start...] + missing[..<start])
        let label = worker.map { " (worker \($0))" } ?? ""
        report("study \(spec.name): \(mine.count) runs, \(done) already done, \(failed.count) failed before, \(missing.count) to run\(label)")
        let started = Date()
        var outcome = Outcome()
        for run in order {
            guard try execute(run, store: store, claims: claims, executor: &executor, outcome: &outcome, quiet: worker != nil) else { continue }
            let elapsed = Date().timeIntervalSince(started)
            report(String(format: "  elapsed %.0f s, ETA %.0f s", elapsed, elapsed / Double(outcome.ran) * Double(max(0, order.count - outcome.ran - outcome.held))))
        }
        if outcome.held > 0 && worker == nil {
            report("\(outcome.held) runs are being run by other processes; run again or report when they finish")
        }
        if outcome.diverged > 0 {
            report("\(outcome.diverged) runs diverged\(label): recorded as failed (the report lists them; --retry-failed reruns them)")
        }
        if outcome.failures > 0 { throw OptionError(study, "\(outcome.failures) of \(missing.count) runs failed (see above); rerun to retry them") }
    }

    /// `seed=S name=value …`: the run's seed and non-default settings, as progress lines and
    /// the dry run list them.
    static func describe(_ run: PlannedRun) -> String {
        (["seed=\(run.settings.seed)"] + run.settings.nonDefault.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
    }

    /// What this process did with the runs it went through.
    struct Outcome {
        var ran = 0, held = 0, diverged = 0, failures = 0
    }

    /// Claims `run`, executes it unless another process holds it or has finished it, and stores
    /// the result — or, when training diverged, the failure record — then releases the claim.
    /// Returns whether it executed the run.
    private func execute(
        _ run: PlannedRun, store: RunStore, claims: RunClaims, executor: inout RunExecutor, outcome: inout Outcome, quiet: Bool
    ) throws -> Bool {
        let claim: RunClaim
        switch try claims.claim(run.hash) {
        case .failure(let held):
            outcome.held += 1
            if !quiet { report("\(run.hash) is being run by \(held.holder.map(\.description) ?? "another process"); skipped") }
            return false
        case .success(let c): claim = c
        }
        defer { claim.release() }
        // Another process may have finished the run since the list was made.
        switch store.lookup(run) {
        case .done: return false
        case .failed where !retryFailed: return false
        case .failed, .missing, .invalid: break
        }
        outcome.ran += 1
        report("[\(outcome.ran)] \(run.hash) \(Self.describe(run))")
        executor.onEpoch = { phase, epochs, r in
            report(String(format: "  %@ epoch %d/%d  loss %.4f  test_acc %.4f  connections %d  %.2f s",
                          phase, r.epoch, epochs, r.trainLoss, r.testAccuracy, r.connections, r.seconds))
        }
        let started = Date()
        do {
            let result = try executor.execute(run)
            try store.save(result)
            report(String(format: "  done: test_accuracy %.4f, %.1f s", result.metrics["test_accuracy"] ?? Double.nan, result.metrics["seconds"] ?? 0))
        } catch let error as TrainingDivergedError {
            outcome.diverged += 1
            try store.save(executor.failureRecord(run, reason: error.reason, started: started))
            report("  failed: \(error.reason) — recorded as the run's outcome")
        } catch {
            outcome.failures += 1
            report("  failed: \(error)")
        }
        return true
    }

    /// Starts `count` copies of this command as workers, each going through all the missing
    /// runs from its own starting point and claiming each before running it, and waits for all
    /// of them. The workers die with this process (`--parent-pid`), whether it is killed or ends.
    private func runWorkers(count: Int, variant: String?) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var processes = [Process]()
        for k in 1...count {
            let p = Process()
            p.executableURL = executable
            var arguments = ["run", study, "--worker", "\(k)/\(count)", "--jobs", String(count),
                             "--parent-pid", String(getpid()), "--stale-after", String(staleAfter)]
            if let results { arguments += ["--results", results] }
            if let shard { arguments += ["--shard", shard] }
            arguments += StudyVariantOptions.arguments(variant)
            if retryFailed { arguments.append("--retry-failed") }
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

    /// Makes the kernel end this worker (SIGTERM) when its parent exits, and exits at once if
    /// the parent is already gone.
    private func dieWithParent(_ parent: Int32) throws {
        guard graphprune_die_with_parent(SIGTERM) == 0 else {
            throw OptionError("--parent-pid", "cannot tie this worker to its parent (\(String(cString: strerror(errno))))")
        }
        guard getppid() == parent else { throw OptionError("--parent-pid", "the parent process \(parent) has already ended") }
    }
}
