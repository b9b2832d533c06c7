#if canImport(Glibc)
import Glibc
#endif
import Admin
import Checkpoint
import Core
import DurableFiles
import Foundation
import Logging
import Observability
import Runtime

/// The jobs of a `streamhost serve`: Flink's dispatcher, in the server
/// process. Each submitted job is kept under `DATA/jobs/ID` (its job file,
/// `submission.json`, and what its supervisor reports) and runs in a
/// supervisor process of its own — this executable's `run --served-job
/// DIR`, which runs every attempt in a worker process and applies the job's
/// restart strategy — so that no plugin code ever runs in the server: a
/// plugin that crashes fails its job's attempt and nothing else. Workers
/// reach the log through the server's Kafka listener (docs/SERVER.md,
/// "Jobs").
///
/// Savepoints, swaps and stop-with-savepoint go to the running worker's
/// admin socket (`DATA/jobs/ID/admin.sock`); a rescale is a
/// stop-with-savepoint and a new supervisor from it with the new
/// parallelism. Jobs still meant to run when the server stopped are started
/// again by `resumeJobs`: from their latest checkpoint (or their savepoint,
/// when it is newer).
///
/// # Thread safety
/// Every method may be called from any thread; operations block their
/// caller (a savepoint waits for the checkpoint), so async callers run them
/// off their executor.
public final class JobManager: @unchecked Sendable {
    /// Where the supervisors of the jobs are started from: this executable.
    public let executable: String
    public let dataDirectory: String
    /// How long `shutDown` waits for the jobs to drain before it kills
    /// their supervisors (they resume from their checkpoints either way).
    public let stopWaitSeconds: Int
    /// How long a rescale waits for the stopped job's supervisor to end.
    public static let rescaleStopWaitSeconds = 120
    /// Bounds on a submission, checked before anything is written.
    public static let jobFileBytesMax = 1 << 20
    public static let pluginsMax = 64
    public static let overridesMax = 256
    /// The longest Unix socket path Linux takes (sun_path, with its NUL).
    static let socketPathBytesMax = 107

    private let logger: Logger
    private let lock = NSLock()
    private var jobs: [String: ManagedJob] = [:]
    private var shuttingDown = false
    /// The workers' live metrics (`LiveJobs`), read once per
    /// `liveIntervalMs` while `startLiveSampling` runs.
    private let live: LiveJobs
    private var liveTimer: (any DispatchSourceTimer)?
    public static let liveIntervalMs = 1_000

    /// One job as the service holds it.
    ///
    /// Its mutable fields are read and written under the manager's lock.
    private final class ManagedJob: @unchecked Sendable {
        var submission: JobSubmission
        let directory: String
        /// Read again after a rescale (its parallelism changed).
        var spec: JobSpec
        var process: Process?
        /// Why the last supervisor ended without a report, if it did.
        var supervisorExit: String?
        /// A rescale or swap in progress (a second one is refused).
        var operation: String?

        init(submission: JobSubmission, directory: String, spec: JobSpec) {
            self.submission = submission
            self.directory = directory
            self.spec = spec
        }
    }

    /// - Parameter metrics: where the running jobs' task metrics go (the
    ///   server's `/metrics`); nil: they are kept for describe and the
    ///   dashboard only.
    public init(dataDirectory: String, executable: String = "/proc/self/exe", stopWaitSeconds: Int = 60,
                metrics: MetricsRegistry? = nil, logger: Logger = Logger(label: "streamhost.jobs")) {
        self.dataDirectory = dataDirectory
        self.executable = executable
        self.stopWaitSeconds = stopWaitSeconds
        self.logger = logger
        live = LiveJobs(registry: metrics)
    }

    var jobsDirectory: String { dataDirectory + "/jobs" }

    // MARK: Submitting and resuming

    /// Checks a submission (the job file parsed here, then planned against
    /// its plugins by `streamhost validate` in a process of its own, so
    /// that no plugin code runs in the server), keeps it and starts it.
    public func submit(_ request: JobSubmitRequest) throws(JobServiceError) -> JobOverview {
        let fileName = request.fileName.isEmpty ? "job.yaml" : request.fileName
        guard request.jobText.utf8.count <= Self.jobFileBytesMax else {
            throw .badRequest("\(fileName): the job file has \(request.jobText.utf8.count) bytes, more than the "
                + "\(Self.jobFileBytesMax) a submission takes")
        }
        guard request.plugins.count <= Self.pluginsMax, request.overrides.count <= Self.overridesMax else {
            throw .badRequest("a submission takes at most \(Self.pluginsMax) plugins and \(Self.overridesMax) overrides")
        }
        for plugin in request.plugins { try Self.checkReadable(plugin: plugin) }
        if let savepoint = request.fromSavepoint { try Self.checkSavepoint(savepoint) }
        let spec: JobSpec
        do {
            spec = try JobFileParser.parse(text: request.jobText, file: fileName, overrides: request.overrides)
        } catch {
            throw .badRequest(error.description)
        }
        let id = JobID.make()
        let directory = jobsDirectory + "/" + id
        guard (directory + "/admin.sock").utf8.count <= Self.socketPathBytesMax else {
            throw .failed("the data directory's path is too long for the job's admin socket "
                + "\(directory)/admin.sock (Linux takes \(Self.socketPathBytesMax) bytes): serve a data directory "
                + "with a shorter path")
        }
        let refusal = lock.withLock { () -> String? in
            if shuttingDown { return "the server is stopping; submit again once it runs" }
            if let other = jobs.values.first(where: { $0.spec.name == spec.name && isActive($0) }) {
                return "job '\(spec.name)' runs already as \(other.submission.id); its checkpoints are kept by name: "
                    + "cancel it first, or give this job another name (name: in the file, or --set name=...)"
            }
            return nil
        }
        if let refusal { throw .conflict(refusal) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try ActiveFileSystem.current.writeAtomically(Array(request.jobText.utf8), to: directory + "/job.yaml")
        } catch {
            throw .failed("cannot create \(directory): \(error.localizedDescription); check the data directory's "
                + "permissions and free space")
        }
        do {
            try validate(directory: directory, fileName: fileName, plugins: request.plugins, overrides: request.overrides)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        let submission = JobSubmission(
            id: id, name: spec.name, fileName: fileName, plugins: request.plugins, overrides: request.overrides,
            fromSavepoint: request.fromSavepoint, submittedAtMs: Self.nowMs())
        try JobFiles.write(submission.json, to: directory + "/submission.json")
        let job = ManagedJob(submission: submission, directory: directory, spec: spec)
        lock.withLock { jobs[id] = job }
        try launch(job, resuming: false)
        return overview(job)
    }

    /// Loads the jobs kept under `DATA/jobs` and starts again those still
    /// meant to run; returns their ids. A job whose files cannot be read is
    /// skipped with a warning (its directory is left as it is).
    @discardableResult
    public func resumeJobs() -> [String] {
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: jobsDirectory)) ?? []).filter(JobID.isValid).sorted()
        var resumed: [String] = []
        for id in ids {
            let directory = jobsDirectory + "/" + id
            guard let submission = JobFiles.read(from: directory + "/submission.json", JobSubmission.init(json:)),
                  let text = try? String(contentsOfFile: directory + "/job.yaml", encoding: .utf8)
            else {
                logger.warning("job directory \(directory) has no readable submission.json and job.yaml; skipped")
                continue
            }
            let spec: JobSpec
            do {
                spec = try JobFileParser.parse(text: text, file: submission.fileName, overrides: submission.overrides)
            } catch {
                logger.warning("job \(id) cannot be read again: \(error); skipped")
                continue
            }
            let job = ManagedJob(submission: submission, directory: directory, spec: spec)
            lock.withLock { jobs[id] = job }
            guard submission.desiredRunning else { continue }
            do {
                try launch(job, resuming: true)
                resumed.append(id)
            } catch {
                logger.error("job \(id) ('\(submission.name)') cannot be resumed: \(error)")
            }
        }
        return resumed
    }

    /// Runs `streamhost validate` on the stored job file: exit status 2 is
    /// a mistake in the job file or a plugin, whose message (the CLI's own)
    /// becomes the refusal.
    private func validate(directory: String, fileName: String, plugins: [String], overrides: [String])
        throws(JobServiceError)
    {
        var arguments = ["validate", directory + "/job.yaml", "--job-file-name", fileName]
        for plugin in plugins { arguments += ["--plugin", plugin] }
        for override in overrides { arguments += ["--set", override] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .failed("cannot start \(executable) to check the job: \(error.localizedDescription)")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return }
        let text = String(decoding: output, as: UTF8.self)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("error: ") }.map { String($0.dropFirst(7)) }
        let message = lines.isEmpty ? text.trimmingCharacters(in: .whitespacesAndNewlines) : lines.joined(separator: "\n")
        if process.terminationReason == .exit && process.terminationStatus == 2 { throw .badRequest(message) }
        throw .failed("checking the job failed (status \(process.terminationStatus)): \(message)")
    }

    /// Starts the job's supervisor. When `resuming`, the job goes on from
    /// the newer of its latest checkpoint and the savepoint it started
    /// from; else from its savepoint, if any (the runner itself picks the
    /// latest checkpoint when given none).
    private func launch(_ job: ManagedJob, resuming: Bool) throws(JobServiceError) {
        let submission = lock.withLock { job.submission }
        var restore = submission.fromSavepoint
        if resuming, let savepoint = restore {
            let savepointID = (try? CheckpointStore.load(directory: savepoint, verifyFiles: false))?.checkpointID ?? 0
            if checkpointStore(job)?.completeIDs().max() ?? 0 > savepointID { restore = nil }
        }
        var arguments = [
            "run", job.directory + "/job.yaml", "--data-dir", dataDirectory, "--served-job", job.directory,
            "--job-file-name", submission.fileName, "--no-progress",
        ]
        for plugin in submission.plugins { arguments += ["--plugin", plugin] }
        for override in submission.overrides { arguments += ["--set", override] }
        if let restore { arguments += ["--from-savepoint", restore] }
        unlink(job.directory + "/" + JobStatusReport.fileName)
        unlink(job.directory + "/" + LiveSampleFile.fileName)
        let logPath = job.directory + "/supervisor.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw .failed("cannot open \(logPath) for the job's supervisor output")
        }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] ended in
            self?.supervisorEnded(job, process: ended)
        }
        do {
            try process.run()
        } catch {
            try? log.close()
            throw .failed("cannot start the supervisor of job \(submission.id) (\(executable)): "
                + error.localizedDescription)
        }
        try? log.close()
        lock.withLock {
            job.process = process
            job.supervisorExit = nil
        }
        let from = restore.map { " from savepoint \($0)" } ?? (resuming ? " from its latest checkpoint" : "")
        logger.info("job \(submission.id) ('\(submission.name)') started in supervisor process \(process.processIdentifier)\(from)")
    }

    private func supervisorEnded(_ job: ManagedJob, process: Process) {
        let report = JobFiles.read(from: job.directory + "/" + JobStatusReport.fileName, JobStatusReport.init(json:))
        let exit: String?
        if report?.ending != nil {
            exit = nil
        } else if process.terminationReason == .uncaughtSignal {
            exit = "the job's supervisor process \(process.processIdentifier) was killed by signal "
                + "\(process.terminationStatus); see \(job.directory)/supervisor.log"
        } else {
            exit = "the job's supervisor process \(process.processIdentifier) exited with status "
                + "\(process.terminationStatus) without reporting; see \(job.directory)/supervisor.log"
        }
        lock.withLock {
            if job.process === process { job.process = nil }
            job.supervisorExit = exit
        }
        let how = report?.ending.map { $0.rawValue } ?? exit ?? "?"
        logger.info("job \(job.submission.id) ('\(job.submission.name)') supervisor ended: \(how)")
    }

    // MARK: Reading

    public func list() -> [JobOverview] {
        let all = lock.withLock { Array(jobs.values) }
        return all.map(overview).sorted { ($0.submittedAtMs, $0.id) < ($1.submittedAtMs, $1.id) }
    }

    /// The plugin files the kept jobs name, sorted, each once.
    public func pluginPaths() -> [String] {
        lock.withLock { Array(Set(jobs.values.flatMap(\.submission.plugins))).sorted() }
    }

    public func describe(id: String) throws(JobServiceError) -> JobDescription {
        let job = try find(id)
        let base = overview(job)
        let report = JobFiles.read(from: job.directory + "/" + JobStatusReport.fileName, JobStatusReport.init(json:))
        let (submission, supervisorExit, pid, spec) = lock.withLock {
            (job.submission, job.supervisorExit, job.process?.processIdentifier, job.spec)
        }
        // Counts from the latest attempt whose worker reported.
        let counted = report?.attempts.last { $0.countsKnown && !$0.steps.isEmpty }
        let nowMs = Self.nowMs()
        let steps = spec.steps.map { step -> JobDescription.Step in
            let counts = counted?.steps.first { $0.stepID == step.id }
            return JobDescription.Step(
                id: step.id, kind: step.kindWord, component: step.componentName ?? Self.keyField(step),
                parallelism: step.parallelism ?? spec.parallelism, inputs: step.inputs,
                recordsIn: counts?.recordsIn, recordsOut: counts?.recordsOut, rejected: counts?.rejected,
                live: pid == nil ? nil : live.stepLive(id: submission.id, step: step.id, nowMs: nowMs))
        }
        var exceptions = (report?.attempts ?? []).compactMap { attempt -> JobDescription.Exception? in
            attempt.failure.map {
                JobDescription.Exception(attempt: attempt.number, message: $0, step: attempt.failureStep,
                                         instance: attempt.failureInstance)
            }
        }
        if let supervisorExit { exceptions.append(JobDescription.Exception(attempt: nil, message: supervisorExit)) }
        return JobDescription(
            overview: base, fileName: submission.fileName, plugins: submission.plugins, overrides: submission.overrides,
            fromSavepoint: submission.fromSavepoint, supervisorPid: pid, steps: steps,
            attempts: report?.attempts ?? [], restoredFrom: report?.restoredFrom ?? [], checkpoints: checkpoints(job), exceptions: exceptions,
            savepoint: report?.savepoint,
            liveCheckpoints: pid == nil ? nil : live.checkpointsLive(id: submission.id, nowMs: nowMs))
    }

    // MARK: Live metrics

    /// Reads the running jobs' live metrics once per `liveIntervalMs` until
    /// `shutDown` (see `LiveJobs`).
    public func startLiveSampling() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "streamhost.jobs.live"))
        timer.schedule(deadline: .now(), repeating: .milliseconds(Self.liveIntervalMs))
        timer.setEventHandler { [weak self] in self?.sampleLive() }
        lock.withLock { liveTimer = timer }
        timer.resume()
    }

    /// One reading of every running job's latest sample.
    public func sampleLive() {
        let running = lock.withLock { jobs.values.filter { $0.process?.isRunning ?? false } }
        let targets = running.map { job -> LiveJobs.Target in
            let report = JobFiles.read(from: job.directory + "/" + JobStatusReport.fileName, JobStatusReport.init(json:))
            let (id, name) = lock.withLock { (job.submission.id, job.spec.name) }
            return LiveJobs.Target(id: id, name: name, directory: job.directory, restarts: report?.restarts ?? 0)
        }
        live.collect(targets, nowMs: Self.nowMs())
    }

    /// The job's live history for the dashboard, over the last `seconds`
    /// (at most `LiveJobs.historyCapacity` samples, one a second).
    public func history(id: String, seconds: Int) throws(JobServiceError) -> JSONValue {
        let job = try find(id)
        let (jobID, steps) = lock.withLock { (job.submission.id, job.spec.steps.map(\.id)) }
        let samples = max(1, min(seconds * 1000 / Self.liveIntervalMs, LiveJobs.historyCapacity))
        return live.history(id: jobID, samples: samples, steps: steps)
    }

    private static func keyField(_ step: StepSpec) -> String {
        if case .keyBy(let field) = step.kind { return field }
        return ""
    }

    private func overview(_ job: ManagedJob) -> JobOverview {
        let (submission, running, exit) = lock.withLock { (job.submission, job.process?.isRunning ?? false, job.supervisorExit) }
        let report = JobFiles.read(from: job.directory + "/" + JobStatusReport.fileName, JobStatusReport.init(json:))
        let state: JobOverview.State
        if running {
            state = .running
        } else if !submission.desiredRunning {
            state = .cancelled
        } else if let ending = report?.ending {
            state = switch ending {
            case .finished: .finished
            case .failed: .failed
            case .stopped: .stopped
            }
        } else {
            state = exit == nil ? .created : .failed
        }
        return JobOverview(id: submission.id, name: submission.name, state: state, submittedAtMs: submission.submittedAtMs,
                           restarts: report?.restarts ?? 0, attempts: report?.attempts.count ?? 0)
    }

    private func checkpointStore(_ job: ManagedJob) -> CheckpointStore? {
        guard let checkpoints = job.spec.checkpoints else { return nil }
        return CheckpointStore(directory: checkpoints.directory ?? "\(dataDirectory)/checkpoints/\(job.spec.name)", prefix: "chk")
    }

    /// The job's retained checkpoints and its savepoints, oldest first.
    private func checkpoints(_ job: ManagedJob) -> [JobDescription.Checkpoint] {
        guard let store = checkpointStore(job) else { return [] }
        let savepoints = CheckpointStore(directory: "\(dataDirectory)/savepoints/\(job.spec.name)", prefix: "sp")
        var found: [JobDescription.Checkpoint] = []
        for (kind, store) in [("checkpoint", store), ("savepoint", savepoints)] {
            for id in store.completeIDs() {
                let directory = store.directory + "/" + store.name(of: id)
                guard let manifest = try? CheckpointStore.load(directory: directory, verifyFiles: false) else { continue }
                found.append(JobDescription.Checkpoint(
                    id: id, kind: kind, directory: directory, triggeredAtMs: manifest.triggeredAtMs,
                    bytes: manifest.files.reduce(0) { $0 + $1.bytes }))
            }
        }
        return found.sorted { ($0.id, $0.kind) < ($1.id, $1.kind) }
    }

    // MARK: Operations

    /// Takes a savepoint of the running job; returns its directory.
    public func savepoint(id: String) throws(JobServiceError) -> JobActionResult {
        let job = try find(id)
        let response = try admin(job, AdminRequest(command: .savepoint, stop: false))
        return JobActionResult(id: id, savepoint: response.savepoint, message: "savepoint taken")
    }

    /// Ends the job: with `savepoint`, a stop-with-savepoint (its directory
    /// returned); without, the sources stop and the pipeline drains (sinks
    /// commit what they have, as on SIGINT). Either way the job is not
    /// resumed when the server starts again.
    public func cancel(id: String, savepoint: Bool) throws(JobServiceError) -> JobActionResult {
        let job = try find(id)
        if savepoint {
            let response = try admin(job, AdminRequest(command: .savepoint, stop: true))
            try setDesiredRunning(job, false)
            return JobActionResult(id: id, savepoint: response.savepoint, message: "stopped with a savepoint")
        }
        let process = lock.withLock { job.process }
        try setDesiredRunning(job, false)
        guard let process, process.isRunning else {
            return JobActionResult(id: id, savepoint: nil, message: "the job was not running; it will not be resumed")
        }
        kill(process.processIdentifier, SIGTERM)
        return JobActionResult(id: id, savepoint: nil, message: "cancelling: the sources stop and the pipeline drains")
    }

    /// Hot-swaps the job to the plugin build at `plugin` (the worker's
    /// `SwapOrchestrator`: checks, stop-with-savepoint, restore, run on).
    /// The new build then replaces, in the submission, the listed plugins
    /// of the same plugin name (else it is added), so that a restart or a
    /// resume runs it too.
    public func swap(id: String, plugin: String) throws(JobServiceError) -> JobActionResult {
        try Self.checkReadable(plugin: plugin)
        let job = try find(id)
        try beginOperation(job, "swap")
        defer { endOperation(job) }
        let response = try admin(job, AdminRequest(command: .swap, plugin: plugin))
        var submission = lock.withLock { job.submission }
        let names = pluginNames(submission.plugins + [plugin])
        let name = names[plugin]
        submission.plugins.removeAll { $0 == plugin || (name != nil && names[$0] == name) }
        submission.plugins.append(plugin)
        try store(job, submission)
        return JobActionResult(
            id: id, savepoint: response.savepoint,
            message: "swapped to \(plugin)" + (response.pauseMs.map { String(format: " (paused %.1f ms)", $0) } ?? ""))
    }

    /// Rescales the job through a savepoint: stop-with-savepoint, then a
    /// new supervisor from it with `parallelism`.
    public func rescale(id: String, parallelism: Int) throws(JobServiceError) -> JobActionResult {
        guard (1...JobLimits.parallelismMax).contains(parallelism) else {
            throw .badRequest("parallelism must be between 1 and \(JobLimits.parallelismMax), not \(parallelism)")
        }
        let job = try find(id)
        try beginOperation(job, "rescale")
        defer { endOperation(job) }
        let process = lock.withLock { job.process }
        let response = try admin(job, AdminRequest(command: .savepoint, stop: true))
        guard let savepoint = response.savepoint else {
            throw .failed("the job stopped but its worker named no savepoint; it stays stopped")
        }
        let deadline = Date().addingTimeInterval(TimeInterval(Self.rescaleStopWaitSeconds))
        while process?.isRunning == true && Date() < deadline { usleep(20_000) }
        if process?.isRunning == true {
            throw .failed("the job stopped with savepoint \(savepoint) but its supervisor did not end within "
                + "\(Self.rescaleStopWaitSeconds) s; start it again from the savepoint")
        }
        var submission = lock.withLock { job.submission }
        submission.overrides.removeAll { $0.hasPrefix("parallelism=") }
        submission.overrides.append("parallelism=\(parallelism)")
        submission.fromSavepoint = savepoint
        try store(job, submission)
        if let spec = try? JobFileParser.parse(path: job.directory + "/job.yaml", overrides: submission.overrides,
                                               fileName: submission.fileName) {
            lock.withLock { job.spec = spec }
        }
        try launch(job, resuming: false)
        return JobActionResult(id: id, savepoint: savepoint, message: "rescaled to parallelism \(parallelism)")
    }

    /// Stops every job's supervisor (SIGTERM: drain, with a final
    /// checkpoint) and waits up to `stopWaitSeconds`, then kills those
    /// left. The jobs stay meant to run: the next server resumes them.
    public func shutDown() {
        let processes = lock.withLock { () -> [Process] in
            shuttingDown = true
            liveTimer?.cancel()
            liveTimer = nil
            return jobs.values.compactMap { $0.process }.filter(\.isRunning)
        }
        for process in processes { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(TimeInterval(stopWaitSeconds))
        while processes.contains(where: \.isRunning) && Date() < deadline { usleep(20_000) }
        for process in processes where process.isRunning {
            logger.warning("job supervisor \(process.processIdentifier) did not stop within \(stopWaitSeconds) s; killed")
            kill(process.processIdentifier, SIGKILL)
        }
        for process in processes { process.waitUntilExit() }
    }

    /// Whether the server is ready: not stopping.
    public var isAcceptingJobs: Bool { lock.withLock { !shuttingDown } }

    // MARK: Helpers

    /// Each plugin file's plugin name, from `streamhost plugin inspect
    /// --json` in a process of its own (no plugin code runs in the
    /// server); files it cannot inspect are left out.
    private func pluginNames(_ paths: [String]) -> [String: String] {
        var names: [String: String] = [:]
        for path in Set(paths) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["plugin", "inspect", "--json", path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                  let report = try? JSONFields(parsing: Array(data)),
                  let name: String = try? report.objects("plugins").first?.read("name")
            else { continue }
            names[path] = name
        }
        return names
    }

    private func find(_ id: String) throws(JobServiceError) -> ManagedJob {
        guard JobID.isValid(id) else {
            throw .badRequest("'\(id.prefix(64))' is not a job id (\(JobID.length) hex digits, as `jobs list` shows)")
        }
        guard let job = lock.withLock({ jobs[id] }) else { throw .notFound("no job \(id); `jobs list` shows the jobs") }
        return job
    }

    private func isActive(_ job: ManagedJob) -> Bool {
        (job.process?.isRunning ?? false) || job.operation != nil
    }

    private func beginOperation(_ job: ManagedJob, _ name: String) throws(JobServiceError) {
        let running = lock.withLock { () -> String? in
            if let running = job.operation { return running }
            job.operation = name
            return nil
        }
        if let running { throw .conflict("a \(running) of job \(job.submission.id) is in progress") }
    }

    private func endOperation(_ job: ManagedJob) { lock.withLock { job.operation = nil } }

    private func setDesiredRunning(_ job: ManagedJob, _ running: Bool) throws(JobServiceError) {
        var submission = lock.withLock { job.submission }
        submission.desiredRunning = running
        try store(job, submission)
    }

    private func store(_ job: ManagedJob, _ submission: JobSubmission) throws(JobServiceError) {
        try JobFiles.write(submission.json, to: job.directory + "/submission.json")
        lock.withLock { job.submission = submission }
    }

    /// Sends `request` to the job's worker; a job that is not running, or
    /// has no checkpoints (and so no admin socket), is a conflict.
    private func admin(_ job: ManagedJob, _ request: AdminRequest) throws(JobServiceError) -> AdminResponse {
        guard job.spec.checkpoints != nil else {
            throw .conflict("job \(job.submission.id) ('\(job.spec.name)') has no checkpoints: section, so no "
                + "savepoints, swaps or rescales; add one to its job file")
        }
        guard lock.withLock({ job.process?.isRunning ?? false }) else {
            throw .conflict("job \(job.submission.id) ('\(job.spec.name)') is not running")
        }
        let response: AdminResponse
        do {
            response = try AdminClient.send(request, socket: job.directory + "/admin.sock")
        } catch {
            throw .conflict("job \(job.submission.id) ('\(job.spec.name)') does not answer (its worker is starting, "
                + "restarting or ending): \(error)")
        }
        guard response.ok else { throw .conflict(response.error ?? "the job's worker refused without a reason") }
        return response
    }

    static func checkReadable(plugin path: String) throws(JobServiceError) {
        guard path.hasPrefix("/") else {
            throw .badRequest("plugin \(path): give an absolute path (the server does not share the client's "
                + "working directory)")
        }
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw .badRequest("plugin \(path): the server cannot read it (\(reason)); give a path that the user "
                + "running `streamhost serve` can read")
        }
    }

    static func checkSavepoint(_ path: String) throws(JobServiceError) {
        guard path.hasPrefix("/") else {
            throw .badRequest("savepoint \(path): give an absolute path (the server does not share the client's "
                + "working directory)")
        }
        do {
            _ = try CheckpointStore.load(directory: path, verifyFiles: false)
        } catch {
            throw .badRequest("savepoint \(path) cannot be used: \(error)")
        }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
