#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import KafkaClient
import Logging
import Synchronization
import Admin
import Observability
import PluginHost
import JobService
import Runtime

/// Loads the plugins a job needs, in search order.
func loadPlugins(for spec: JobSpec, options: PluginOptions) throws(PluginLoadError) -> PluginRegistry {
    var registry = PluginRegistry()
    try registry.loadExplicit(paths: options.plugins, environmentPath: ProcessEnvironment.value("STREAMHOST_PLUGIN_PATH"))
    try registry.loadBuiltins(
        providing: JobValidator.neededComponents(spec),
        directories: PluginRegistry.builtinDirectories(executablePath: PluginRegistry.executablePath))
    return registry
}

/// Parses and resolves a job file, printing the error and exiting 2 on a
/// mistake; returns the spec and plugins too (a swap plans again with them).
///
/// `fileName` names the file in errors instead of `path` (a job submitted to
/// `streamhost serve` is kept under the data directory, and its errors name
/// the file the submitter gave).
func planJob(path: String, overrides: [String], plugins: PluginOptions, fileName: String? = nil) throws
    -> (spec: JobSpec, registry: PluginRegistry, plan: JobPlan)
{
    do {
        let spec = try JobFileParser.parse(path: path, overrides: overrides, fileName: fileName)
        let registry = try loadPlugins(for: spec, options: plugins)
        // A --plugin component in place of a built-in one: say so, once.
        for replacement in registry.replacements { writeStderr("note: \(replacement)\n") }
        let plan = try JobValidator.plan(spec, registry: registry)
        for warning in plan.warnings { writeStderr("warning: \(warning)\n") }
        return (spec, registry, plan)
    } catch let error as JobFileError {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
    } catch let error as PluginLoadError {
        writeStderr("error: \(error)\n")
        throw ExitCode(2)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a job until its sources end (or until SIGINT/SIGTERM).",
        discussion: """
            The first SIGINT or SIGTERM stops the sources and lets the pipeline drain: every step is \
            closed and sinks commit what they have (with checkpoints, the drain ends with a final \
            checkpoint that commits it all and that a later run resumes from). A repeat within a second of the first is ignored (one \
            signal often arrives twice, e.g. from `timeout`); a later one abandons the run: steps are not \
            closed, and only output committed before (finished part files, committed log transactions) stays.
            A job with a checkpoints: section resumes from its latest complete checkpoint in the data \
            directory, restarts after a failure per its restart strategy, and answers `streamhost \
            savepoint` and `streamhost swap` through the admin socket DIR/admin.sock.
            Exit status: 0 when the job ran to its end, drained after a stop or stopped with a savepoint, \
            1 when it failed, 2 for a mistake in the job file or a plugin that cannot be loaded, 3 when it \
            ran to its end but a step received records and rejected every one of them (the summary lists \
            each step's records in and out, dead letters and plugin counters).
            """)

    /// A second SIGINT/SIGTERM this soon after the first is a duplicate
    /// delivery, not a request to abandon.
    static let repeatWindowNs: UInt64 = 1_000_000_000

    @Argument(help: "The job file (YAML).")
    var job: String

    @OptionGroup var plugins: PluginOptions

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a step's config key (step.key=value) or a top-level field (parallelism=4); repeatable.",
        valueName: "step.key=value"))
    var overrides: [String] = []

    @Option(help: "Worker threads (default: one per core).")
    var workers: Int?

    @Option(help: "A file for rejected records (default: the job file's dead_letter, else the topic JOB.dlq in the data directory).")
    var deadLetter: String?

    @Option(help: ArgumentHelp("Start from this savepoint (or checkpoint) directory.", valueName: "dir"))
    var fromSavepoint: String?

    @Flag(help: "With --from-savepoint: start even if the savepoint has state for steps the job lacks, or lacks steps the job has.")
    var allowNonRestoredState = false

    @Flag(inversion: .prefixedNo, help: "Show records/s once a second (default: when stderr is a terminal).")
    var progress: Bool?

    @OptionGroup var data: DataDirectoryOptions

    @OptionGroup var metrics: MetricsOptions

    @Flag(help: "With --metrics-listen: sinks sample (processing time - event time) into a latency histogram.")
    var latencyTracking = false

    @OptionGroup var logging: LoggingOptions

    /// Set by a supervising `streamhost run` (`isolation: process`) on the
    /// worker it spawns: run one attempt, without restarts, and write its
    /// result here instead of printing a summary.
    @Option(help: .hidden)
    var workerReport: String?

    /// Set by `streamhost serve` on the supervisor of a job it runs (and
    /// passed on to the workers): the job's directory under DATA/jobs.
    /// Every attempt runs in a worker, the admin socket is the job's own
    /// (DIR/admin.sock, as several jobs share the data directory), the
    /// supervisor reports its attempts in DIR/status.json and stops when
    /// the server goes away.
    @Option(help: .hidden)
    var servedJob: String?

    /// The name the job file goes by in errors (a served job's file is
    /// kept under DATA/jobs; errors name the file the submitter gave).
    @Option(help: .hidden)
    var jobFileName: String?

    /// Whether to draw the progress line: `--progress`, or by default when
    /// standard error is a terminal.
    var showsProgress: Bool { progress ?? (isatty(STDERR_FILENO) != 0) }

    /// How often a worker looks whether its supervisor is still there.
    static let orphanCheckIntervalSeconds = 1

    func run() throws {
        logging.bootstrap()
        let logger = Logger(label: "streamhost")
        let (spec, plannedRegistry, plannedPlan) = try planJob(
            path: job, overrides: overrides, plugins: plugins, fileName: jobFileName)
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if allowNonRestoredState && fromSavepoint == nil {
            throw ValidationError("--allow-non-restored-state applies to --from-savepoint only")
        }

        let dataDirectory = data.path
        // Private copies of swapped-in builds, kept while the job or a
        // retained checkpoint or savepoint needs them; a restore of state a
        // copy wrote that the given build is too old for loads the copy.
        let swapBuilds = SwapBuilds(
            directory: SwapBuilds.directory(dataDirectory: dataDirectory, job: plannedPlan.spec.name),
            checkpointDirectory: plannedPlan.spec.checkpoints?.directory
                ?? "\(dataDirectory)/checkpoints/\(plannedPlan.spec.name)",
            savepointDirectory: "\(dataDirectory)/savepoints/\(plannedPlan.spec.name)")
        let (registry, plan) = try resumeSwappedBuilds(
            spec: spec, registry: plannedRegistry, plan: plannedPlan, builds: swapBuilds)
        // While `streamhost serve` holds the data directory, the job's
        // topics are read and written through it (the directory's lock is
        // the server's); else the directory is opened here on first use.
        let logServices: LogClientServices
        if let server = try withClientErrors({ try ServerLogClient(dataDirectory: dataDirectory) }) {
            writeStderr("job '\(plan.spec.name)': the data directory is held by `streamhost serve` at \(server.address); "
                + "the job's topics are read and written through it\n")
            logServices = LogClientServices(.client(server))
        } else {
            logServices = .dataDirectory(path: dataDirectory)
        }
        defer { logServices.close() }
        var options = RunOptions(
            workers: workers,
            deadLetterPath: deadLetter ?? "\(dataDirectory)/dead-letter/\(plan.spec.name).jsonl",
            progress: showsProgress ? JobProgressLine() : nil, logServices: logServices)
        options.deadLetterToFile = deadLetter != nil
        // Metrics: under `isolation: process` the supervisor's /metrics has
        // the job's restarts only; its workers run without a listener.
        if latencyTracking && metrics.metricsListen == nil {
            throw ValidationError("--latency-tracking needs --metrics-listen")
        }
        let exposition = try metrics.start()
        defer { exposition?.listener.stop() }
        options.metrics = exposition.map { JobMetrics(job: plan.spec.name, registry: $0.registry) }
        options.latencyTracking = latencyTracking
        // A served job's worker hands its samples to the server through
        // DIR/metrics.json (LiveSampleFile): the server's /metrics, `jobs
        // describe` and the dashboard show them.
        if workerReport != nil, let servedJob {
            let writer = LiveSampleFile.Writer(jobDirectory: servedJob)
            options.sampleObserver = { sample in
                if let problem = writer.write(sample) {
                    logger.warning("\(problem); the server shows no live metrics for this attempt")
                }
            }
        }
        if var checkpoints = plan.spec.checkpoints {
            // A worker runs one attempt: its supervisor restarts it.
            if workerReport != nil { checkpoints.restart = .none }
            options.checkpoints = CheckpointRunOptions(
                spec: checkpoints, checkpointDirectory: swapBuilds.checkpointDirectory,
                savepointDirectory: swapBuilds.savepointDirectory, swapBuilds: swapBuilds)
        }
        var restore: RestoreSource?
        if let fromSavepoint {
            do {
                restore = try RestoreSource.load(directory: fromSavepoint, allowNonRestoredState: allowNonRestoredState)
            } catch {
                writeStderr("error: job '\(plan.spec.name)' failed to start: \(error)\n")
                throw ExitCode(1)
            }
        }
        // `isolation: process`: this process supervises, each attempt runs in
        // a worker (this executable again, with --worker-report).
        let supervising = (plan.spec.isolation == .process || servedJob != nil) && workerReport == nil
        let launchWorker: JobRunner.WorkerLauncher? = supervising ? workerLauncher(dataDirectory: dataDirectory) : nil
        let runner = JobRunner(plan: plan, options: options, restoreFrom: restore, launchWorker: launchWorker) {
            plan throws(JobFailure) in
            try JobStateBackend.make(plan.spec.state, jobName: plan.spec.name, dataDirectory: dataDirectory)
        }

        // The admin socket: savepoints and swaps from `streamhost savepoint|swap`.
        // Only jobs with checkpoints take savepoints, and only they hold the
        // data directory's socket: other jobs may share a directory. Under
        // `isolation: process` the worker holds it, not the supervisor:
        // savepoints and swaps need the running attempt's state.
        let swapper = SwapOrchestrator(runner: runner, spec: spec, registry: registry, builds: swapBuilds)
        var admin: AdminServer?
        if plan.spec.checkpoints != nil && !supervising {
            do {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
                let socket = servedJob.map { $0 + "/admin.sock" } ?? AdminClient.socketPath(dataDirectory: dataDirectory)
                admin = try AdminServer(path: socket) { request, reply in
                    Self.serve(request, runner: runner, swapper: swapper, spec: spec, reply: reply)
                }
            } catch {
                writeStderr("error: job '\(plan.spec.name)' failed to start: \(error)\n")
                throw ExitCode(1)
            }
        }
        defer { admin?.close() }

        // First signal: drain and stop. A repeat within `repeatWindowNs` of
        // it is the same request delivered twice (`timeout -s INT` signals
        // the process and then its group): ignored, with a line. A later one
        // abandons the run.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let firstSignalAt = Mutex<UInt64?>(nil)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // The time read under the lock, so that it is never before
                // the first signal's (both sources' handlers may run at once).
                let (first, now) = firstSignalAt.withLock { first -> (UInt64?, UInt64) in
                    let now = DispatchTime.now().uptimeNanoseconds
                    defer { if first == nil { first = now } }
                    return (first, now)
                }
                let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                guard let first else {
                    writeStderr("\nstreamhost: \(name): stopping the sources and draining the pipeline "
                        + "(send again after a second to abandon the run)\n")
                    runner.requestStop()
                    return
                }
                if now - first < Self.repeatWindowNs {
                    writeStderr("streamhost: \(name) again within a second of the first: ignored, still draining "
                        + "(send it again later to abandon the run)\n")
                } else {
                    writeStderr("streamhost: \(name) again: abandoning the run; committed output stays\n")
                    runner.cancel(reason: "run abandoned on a second \(name); steps were not closed")
                }
            }
            source.resume()
            sources.append(source)
        }

        // A worker whose supervisor died drains and ends instead of running
        // on unsupervised (its parent changes once the supervisor is gone).
        // So does the supervisor of a served job whose server died.
        var orphanCheck: (any DispatchSourceTimer)?
        if workerReport != nil || servedJob != nil {
            let parent = getppid()
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now() + .seconds(Self.orphanCheckIntervalSeconds),
                           repeating: .seconds(Self.orphanCheckIntervalSeconds))
            timer.setEventHandler {
                if getppid() != parent { runner.requestStop() }
            }
            timer.resume()
            orphanCheck = timer
        }

        // A served job's supervisor reports its attempts to the server.
        let statusReporter = workerReport != nil ? nil : servedJob.map { directory in
            ServedJobStatus(directory: directory, runner: runner, intervalSeconds: Self.orphanCheckIntervalSeconds)
        }
        let result = runner.run()
        for source in sources { source.cancel() }
        orphanCheck?.cancel()
        statusReporter?.finish(result)
        if let workerReport {
            do {
                try WorkerReport(result).write(to: workerReport)
            } catch {
                writeStderr("error: job '\(plan.spec.name)': the worker cannot write its report to \(workerReport): \(error)\n")
                throw ExitCode(1)
            }
            if result.hasStuckTasks { Self.exitLeavingStuckTasks(1) }
            return
        }
        let ending: String
        if result.failure != nil {
            ending = "failed"
        } else if let savepoint = result.savepointDirectory {
            ending = "stopped with savepoint \(savepoint)"
        } else {
            ending = result.stoppedOnRequest ? "stopped" : "finished"
        }
        let restarts = runner.restarts.load(ordering: .relaxed)
        let attempts = runner.attempts
        let summary = "job '\(plan.spec.name)' \(ending) "
            + "after \(String(format: "%.2f", result.seconds)) s: \(result.sourceRecords) records in, "
            + "\(result.sinkRecords) into sinks, \(result.rejectedRecords) rejected"
            + (result.rejectedRecords > 0 ? " (see \(result.deadLetterPath))" : "")
            + (options.checkpoints != nil ? ", \(result.checkpointsCompleted) checkpoints" : "")
            + (restarts > 0 ? ", \(restarts) restarts" : "")
            + (attempts.count > 1 ? " (over \(attempts.count) attempts)" : "")
            + Self.unknownCounts(attempts)
            + RunSummary.stepLines(result.steps)
        if attempts.count > 1 {
            for attempt in attempts {
                logger.info("\(Self.describe(attempt))")
            }
        }
        if let failure = result.failure {
            writeStderr("error: \(result.startFailed ? "job '\(plan.spec.name)' failed to start: " : "")\(failure)\n")
            logger.info("\(summary)")
            if result.hasStuckTasks { Self.exitLeavingStuckTasks(1) }
            throw ExitCode(1)
        }
        logger.info("\(summary)")
        for warning in RunSummary.warnings(result.steps) { logger.warning("\(warning)") }
        if let refusal = RunSummary.rejectedEverything(result) {
            writeStderr("error: job '\(plan.spec.name)' \(ending), but \(refusal)\n")
            throw ExitCode(RunSummary.rejectedEverythingExitCode)
        }
    }

    /// Ends the process at once, without the exit handlers and static
    /// destructors of a normal exit: a thread is still inside a plugin
    /// callback (`JobFailure.stuck`), and what it uses (the plugin's
    /// globals, an open state backend) must not be torn down under it.
    static func exitLeavingStuckTasks(_ status: Int32) -> Never {
        fflush(nil)  // every C stream (stdout's pending summary lines)
        _exit(status)
    }

    /// The plugins and plan to run with: as planned, unless the state this
    /// run restores (`--from-savepoint`, else the newest checkpoint) was
    /// written by a swapped-in build that a planned build is too old to
    /// restore; then that copy, if kept, replaces it, with a note. So a run
    /// killed after a swap and started again with the same command resumes
    /// with the build that was running.
    func resumeSwappedBuilds(spec: JobSpec, registry: PluginRegistry, plan: JobPlan, builds: SwapBuilds) throws
        -> (PluginRegistry, JobPlan)
    {
        guard plan.spec.checkpoints != nil || fromSavepoint != nil,
              let manifest = SwapBuilds.manifestToResume(
                checkpointDirectory: builds.checkpointDirectory, fromSavepoint: fromSavepoint)
        else { return (registry, plan) }
        let resumes = builds.buildsToResume(from: manifest, plan: plan)
        guard !resumes.isEmpty else { return (registry, plan) }
        var registry = registry
        do {
            for resume in resumes {
                registry = try registry.replacing(with: try PluginLoader.load(path: resume.path))
                writeStderr("note: job '\(plan.spec.name)' restores state of step '\(resume.stepID)' that "
                    + "\(resume.path) (swapped in before the restart) wrote with state_version \(resume.stateVersion); "
                    + "\(resume.plannedPath) has state_version \(resume.plannedStateVersion) and cannot read it, so "
                    + "plugin '\(resume.pluginName)' runs from the swapped-in build\n")
            }
            return (registry, try JobValidator.plan(spec, registry: registry))
        } catch {
            writeStderr("error: job '\(plan.spec.name)' cannot load the swapped-in build its state needs: \(error)\n")
            throw ExitCode(2)
        }
    }

    /// One line of the per-attempt breakdown: "attempt 2 (restored from 7):
    /// 900 records in, 900 into sinks, 0 rejected, 3 checkpoints; finished".
    static func describe(_ attempt: AttemptRecord) -> String {
        let result = attempt.result
        let ending: String
        if let failure = result.failure {
            ending = "failed: \(failure)"
        } else if let savepoint = result.savepointDirectory {
            ending = "stopped with savepoint \(savepoint)"
        } else {
            ending = result.stoppedOnRequest ? "stopped" : "finished"
        }
        let counts = attempt.countsKnown
            ? "\(result.sourceRecords) records in, \(result.sinkRecords) into sinks, \(result.rejectedRecords) rejected, "
                + "\(result.checkpointsCompleted) checkpoints"
            : "counts unknown (its worker died before reporting)"
        return "attempt \(attempt.number)" + (attempt.restoredFrom.map { " (restored from \($0))" } ?? "")
            + ": \(counts); \(ending)"
    }

    /// "; not counted: attempt 1, whose worker died" when some attempt's
    /// counts are unknown, so the totals are not taken for the whole run.
    static func unknownCounts(_ attempts: [AttemptRecord]) -> String {
        let unknown = attempts.filter { !$0.countsKnown }.map { String($0.number) }
        guard !unknown.isEmpty else { return "" }
        return "; not counted: attempt\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")), "
            + "whose worker died before reporting"
    }

    /// Starts one attempt as a worker: this executable, `run` with the same
    /// job file, plugins and options, from `restore`, reporting to a file
    /// in the data directory.
    func workerLauncher(dataDirectory: String) -> JobRunner.WorkerLauncher {
        var arguments = [CommandLine.arguments[0], "run", job, "--data-dir", dataDirectory]
        if let servedJob { arguments += ["--served-job", servedJob] }
        if let jobFileName { arguments += ["--job-file-name", jobFileName] }
        for plugin in plugins.plugins { arguments += ["--plugin", plugin] }
        for override in overrides { arguments += ["--set", override] }
        if let workers { arguments += ["--workers", String(workers)] }
        if let deadLetter { arguments += ["--dead-letter", deadLetter] }
        if let level = logging.logLevel { arguments += ["--log-level", level] }
        arguments.append(showsProgress ? "--progress" : "--no-progress")
        let base = arguments
        let allowNonRestored = allowNonRestoredState
        let reportPath = "\(dataDirectory)/worker-\(getpid()).report"
        return { restore throws(JobFailure) in
            var arguments = base
            if let restore {
                arguments += ["--from-savepoint", restore.directory]
                if allowNonRestored || restore.allowNonRestoredState { arguments.append("--allow-non-restored-state") }
            }
            arguments += ["--worker-report", reportPath]
            do {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            } catch {
                throw .worker("cannot create the data directory \(dataDirectory) for the worker's report: \(error)")
            }
            return try WorkerProcess(executable: "/proc/self/exe", arguments: arguments, reportPath: reportPath)
        }
    }

    /// Answers one admin request against the running job.
    static func serve(
        _ request: AdminRequest, runner: JobRunner, swapper: SwapOrchestrator, spec: JobSpec,
        reply: @escaping @Sendable (AdminResponse) -> Void
    ) {
        switch request.command {
        case .status:
            var response = AdminResponse(ok: true)
            response.job = runner.currentPlan.spec.name
            reply(response)
        case .savepoint:
            runner.savepoint(stop: request.stop ?? false) { result in
                switch result {
                case .success(let savepoint):
                    var response = AdminResponse(ok: true)
                    response.job = spec.name
                    response.savepoint = savepoint.directory
                    response.checkpointID = savepoint.id
                    response.durationMs = savepoint.durationMs
                    reply(response)
                case .failure(let failure):
                    reply(.failure("\(failure)"))
                }
            }
        case .swap:
            guard let pluginPath = request.plugin else {
                reply(.failure("swap needs the new plugin's path"))
                return
            }
            swapper.swap(pluginPath: pluginPath) { result in
                switch result {
                case .success(let report):
                    var response = AdminResponse(ok: true)
                    response.job = spec.name
                    response.savepoint = report.savepoint.directory
                    response.checkpointID = report.savepoint.id
                    response.pauseMs = report.pauseMs
                    reply(response)
                case .failure(let failure):
                    reply(.failure("\(failure)"))
                }
            }
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a job file and its step configs against the plugins, without running it.")

    @Argument(help: "The job file (YAML).")
    var job: String

    @OptionGroup var plugins: PluginOptions

    @Option(name: .customLong("set"), help: "Overrides, as for run.")
    var overrides: [String] = []

    /// The name the job file goes by in errors (`streamhost serve` checks
    /// a submitted job with this command; see Run.jobFileName).
    @Option(help: .hidden)
    var jobFileName: String?

    func run() throws {
        let plan = try planJob(path: job, overrides: overrides, plugins: plugins, fileName: jobFileName).plan
        print("job '\(plan.spec.name)' is valid: \(plan.steps.count) steps in \(plan.chains.count) chained tasks "
            + "(max_parallelism \(plan.keyGroups.maxParallelism))")
        for chain in plan.chains {
            let steps = chain.map { index -> String in
                let step = plan.steps[index]
                return "\(step.id) (\(step.component.kind) \(step.component.name) x\(step.parallelism))"
            }
            var line = "  task: " + steps.joined(separator: " -> ")
            let inputs = plan.steps[chain[0]].inputs
            if !inputs.isEmpty {
                line += "  <= " + inputs.map { "\(plan.steps[$0.step].id) [\($0.exchange)]" }.joined(separator: ", ")
            }
            print(line)
        }
        // Formats and schemas, and so where the host converts (ABI 1.3).
        for (index, step) in plan.steps.enumerated() where plan.formats.indices.contains(index) {
            let formats = plan.formats[index]
            var parts: [String] = []
            if let input = formats.input {
                parts.append("in \(input)" + (formats.inputSchema.map { " \($0)" } ?? ""))
            }
            if let output = formats.output {
                parts.append("out \(output)" + (formats.outputSchema.map { " \($0)" } ?? ""))
            } else if let schema = formats.outputSchema {
                parts.append("out \(schema)")
            }
            print("  step \(step.id): " + parts.joined(separator: "; "))
        }
        // Native functions were resolved while planning; list what jobs may call.
        for function in plan.functions.functions {
            print("  function \(function.name): \(function.signature)"
                + (function.isVectorized ? " vectorized" : "") + " from \(function.declaration.library)")
        }
    }
}
