#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import Logging
import Synchronization
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

/// Parses and resolves a job file, printing the error and exiting 2 on a mistake.
func planJob(path: String, overrides: [String], plugins: PluginOptions) throws -> JobPlan {
    do {
        let spec = try JobFileParser.parse(path: path, overrides: overrides)
        let registry = try loadPlugins(for: spec, options: plugins)
        return try JobValidator.plan(spec, registry: registry)
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
            Exit status: 0 when the job ran to its end or drained after a stop, 1 when it failed, \
            2 for a mistake in the job file or a plugin that cannot be loaded.
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

    @Flag(inversion: .prefixedNo, help: "Show records/s once a second (default: when stderr is a terminal).")
    var progress: Bool?

    @OptionGroup var data: DataDirectoryOptions

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap()
        let logger = Logger(label: "streamhost")
        let plan = try planJob(path: job, overrides: overrides, plugins: plugins)
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }

        let dataDirectory = data.path
        let logServices = DataDirectoryLogServices(path: dataDirectory)
        defer { logServices.close() }
        var options = RunOptions(
            workers: workers,
            deadLetterPath: deadLetter ?? "\(dataDirectory)/dead-letter/\(plan.spec.name).jsonl",
            showProgress: progress ?? (isatty(STDERR_FILENO) != 0), logServices: logServices)
        options.deadLetterToFile = deadLetter != nil
        let state: JobStateBackend
        do {
            state = try JobStateBackend.make(plan.spec.state, jobName: plan.spec.name, dataDirectory: dataDirectory)
        } catch {
            writeStderr("error: job '\(plan.spec.name)' failed to start: \(error)\n")
            throw ExitCode(1)
        }
        // Runs after the run has destroyed every instance (closing its store).
        defer { state.close() }
        options.stateBackend = state.backend
        let execution: JobExecution
        do {
            execution = try JobExecution(plan: plan, options: options)
        } catch {
            writeStderr("error: job '\(plan.spec.name)' failed to start: \(error)\n")
            throw ExitCode(1)
        }

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
                    execution.requestStop()
                } else {
                    execution.cancel(reason: "run abandoned on a second \(name); steps were not closed")
                }
            }
            source.resume()
            sources.append(source)
        }

        let result = execution.run()
        for source in sources { source.cancel() }
        let summary = "job '\(plan.spec.name)' \(result.failure == nil ? (result.stoppedOnRequest ? "stopped" : "finished") : "failed") "
            + "after \(String(format: "%.2f", result.seconds)) s: \(result.sourceRecords) records in, "
            + "\(result.sinkRecords) into sinks, \(result.rejectedRecords) rejected"
            + (result.rejectedRecords > 0 ? " (see \(result.deadLetterPath))" : "")
        if let failure = result.failure {
            writeStderr("error: \(failure)\n")
            logger.info("\(summary)")
            throw ExitCode(1)
        }
        logger.info("\(summary)")
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
        let plan = try planJob(path: job, overrides: overrides, plugins: plugins)
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
