#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import Logging
import Synchronization
import Admin
import PluginHost
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
func planJob(path: String, overrides: [String], plugins: PluginOptions) throws
    -> (spec: JobSpec, registry: PluginRegistry, plan: JobPlan)
{
    do {
        let spec = try JobFileParser.parse(path: path, overrides: overrides)
        let registry = try loadPlugins(for: spec, options: plugins)
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
            closed and sinks commit what they have. A second one abandons the run.
            A job with a checkpoints: section resumes from its latest complete checkpoint in the data \
            directory, restarts after a failure per its restart strategy, and answers `streamhost \
            savepoint` and `streamhost swap` through the admin socket DIR/admin.sock.
            Exit status: 0 when the job ran to its end, drained after a stop or stopped with a savepoint, \
            1 when it failed, 2 for a mistake in the job file or a plugin that cannot be loaded, 3 when it \
            ran to its end but a step received records and rejected every one of them (the summary lists \
            each step's records in and out, dead letters and plugin counters).
            """)

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

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap()
        let logger = Logger(label: "streamhost")
        let (spec, registry, plan) = try planJob(path: job, overrides: overrides, plugins: plugins)
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if allowNonRestoredState && fromSavepoint == nil {
            throw ValidationError("--allow-non-restored-state applies to --from-savepoint only")
        }

        let dataDirectory = data.path
        let logServices = DataDirectoryLogServices(path: dataDirectory)
        defer { logServices.close() }
        var options = RunOptions(
            workers: workers,
            deadLetterPath: deadLetter ?? "\(dataDirectory)/dead-letter/\(plan.spec.name).jsonl",
            showProgress: progress ?? (isatty(STDERR_FILENO) != 0), logServices: logServices)
        options.deadLetterToFile = deadLetter != nil
        if let checkpoints = plan.spec.checkpoints {
            options.checkpoints = CheckpointRunOptions(
                spec: checkpoints,
                checkpointDirectory: checkpoints.directory ?? "\(dataDirectory)/checkpoints/\(plan.spec.name)",
                savepointDirectory: "\(dataDirectory)/savepoints/\(plan.spec.name)")
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
        let runner = JobRunner(plan: plan, options: options, restoreFrom: restore) { plan throws(JobFailure) in
            try JobStateBackend.make(plan.spec.state, jobName: plan.spec.name, dataDirectory: dataDirectory)
        }

        // The admin socket: savepoints and swaps from `streamhost savepoint|swap`.
        // Only jobs with checkpoints take savepoints, and only they hold the
        // data directory's socket: other jobs may share a directory.
        let currentRegistry = CurrentRegistry(registry)
        var admin: AdminServer?
        if plan.spec.checkpoints != nil {
            do {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
                admin = try AdminServer(path: AdminClient.socketPath(dataDirectory: dataDirectory)) { request, reply in
                    Self.serve(request, runner: runner, spec: spec, registry: currentRegistry, dataDirectory: dataDirectory,
                               reply: reply)
                }
            } catch {
                writeStderr("error: job '\(plan.spec.name)' failed to start: \(error)\n")
                throw ExitCode(1)
            }
        }
        defer { admin?.close() }

        // First signal: drain and stop. Second: abandon.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let signals = Mutex(0)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let count = signals.withLock { value -> Int in
                    value += 1
                    return value
                }
                let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                if count == 1 {
                    writeStderr("\nstreamhost: \(name): stopping the sources and draining the pipeline "
                        + "(send again to abandon the run)\n")
                    runner.requestStop()
                } else {
                    runner.cancel(reason: "run abandoned on a second \(name); steps were not closed")
                }
            }
            source.resume()
            sources.append(source)
        }

        let result = runner.run()
        for source in sources { source.cancel() }
        let ending: String
        if result.failure != nil {
            ending = "failed"
        } else if let savepoint = result.savepointDirectory {
            ending = "stopped with savepoint \(savepoint)"
        } else {
            ending = result.stoppedOnRequest ? "stopped" : "finished"
        }
        let restarts = runner.restarts.load(ordering: .relaxed)
        let summary = "job '\(plan.spec.name)' \(ending) "
            + "after \(String(format: "%.2f", result.seconds)) s: \(result.sourceRecords) records in, "
            + "\(result.sinkRecords) into sinks, \(result.rejectedRecords) rejected"
            + (result.rejectedRecords > 0 ? " (see \(result.deadLetterPath))" : "")
            + (options.checkpoints != nil ? ", \(result.checkpointsCompleted) checkpoints" : "")
            + (restarts > 0 ? ", \(restarts) restarts" : "")
            + RunSummary.stepLines(result.steps)
        if let failure = result.failure {
            writeStderr("error: \(result.startFailed ? "job '\(plan.spec.name)' failed to start: " : "")\(failure)\n")
            logger.info("\(summary)")
            throw ExitCode(1)
        }
        logger.info("\(summary)")
        for warning in RunSummary.warnings(result.steps) { logger.warning("\(warning)") }
        if let refusal = RunSummary.rejectedEverything(result) {
            writeStderr("error: job '\(plan.spec.name)' \(ending), but \(refusal)\n")
            throw ExitCode(RunSummary.rejectedEverythingExitCode)
        }
    }

    /// Answers one admin request against the running job.
    static func serve(
        _ request: AdminRequest, runner: JobRunner, spec: JobSpec, registry: CurrentRegistry, dataDirectory: String,
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
            let newPlugin: LoadedPlugin
            do {
                newPlugin = try PluginLoader.loadCopy(path: pluginPath, into: "\(dataDirectory)/plugins")
            } catch {
                reply(.failure("\(error)"))
                return
            }
            guard runner.currentPlan.steps.contains(where: { $0.component.pluginName == newPlugin.name }) else {
                reply(.failure("\(pluginPath) is plugin '\(newPlugin.name)', which no step of job '\(spec.name)' uses"))
                return
            }
            runner.swap(replan: {
                let next = try registry.value.withLock { registry throws(PluginLoadError) in try registry.replacing(with: newPlugin) }
                let plan = try JobValidator.plan(spec, registry: next)
                registry.value.withLock { $0 = next }
                return plan
            }) { result in
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

    func run() throws {
        let plan = try planJob(path: job, overrides: overrides, plugins: plugins).plan
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
        // Native functions were resolved while planning; list what jobs may call.
        for function in plan.functions.functions {
            print("  function \(function.name): \(function.signature)"
                + (function.isVectorized ? " vectorized" : "") + " from \(function.declaration.library)")
        }
    }
}

/// The plugins the running job uses; a swap replaces one.
final class CurrentRegistry: Sendable {
    let value: Mutex<PluginRegistry>
    init(_ registry: PluginRegistry) { value = Mutex(registry) }
}
