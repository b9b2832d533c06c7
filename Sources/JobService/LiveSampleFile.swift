#if canImport(Glibc)
import Glibc
#endif
import Core
import Foundation
import Observability
import Synchronization

/// How a served job's live metrics reach the server: the worker running
/// the attempt rewrites `DATA/jobs/ID/metrics.json` with its latest
/// `JobSample` once per metrics interval (1 s), atomically, and the server
/// reads it once per second (`LiveJobs`).
///
/// A file rather than the job's admin socket: only jobs with checkpoints
/// have an admin socket, a question over it costs the worker a connection
/// and a thread each second, and a file needs neither side to wait for the
/// other — the same reasons the supervisor's `status.json` is a file. The
/// worker writes it itself rather than through its supervisor, which would
/// only pass the same bytes on. Its size is bounded by the job's steps ×
/// instances (and their plugin counters), written once a second at most.
public enum LiveSampleFile {
    public static let fileName = "metrics.json"
    /// A file larger than this is not read (a job's sample is a few
    /// hundred bytes per step instance).
    public static let bytesMax = 16 << 20
    /// Plugin counters kept per step instance (the plugin ABI registers
    /// a bounded number; this bounds the file whatever a plugin does).
    public static let countersPerTaskMax = 256

    /// The sample as JSON; `workerPid` tells attempts apart (every worker
    /// runs one attempt, so its sample's own attempt number is always the
    /// same).
    public static func json(_ sample: JobSample, workerPid: Int32) -> JSONValue {
        var checkpoints = JSONObject()
        checkpoints["completed"] = .int(Int64(sample.checkpoints.completed))
        checkpoints["failed"] = .int(Int64(sample.checkpoints.failed))
        checkpoints["aborted"] = .int(Int64(sample.checkpoints.aborted))
        checkpoints["lastDurationMs"] = sample.checkpoints.lastDurationMs.map { .double($0) }
        checkpoints["lastSizeBytes"] = sample.checkpoints.lastSizeBytes.map { .int(Int64($0)) }
        checkpoints["lastAlignmentMs"] = sample.checkpoints.lastAlignmentMs.map { .double($0) }
        checkpoints["lastID"] = sample.checkpoints.lastID.map { .int($0) }
        let tasks = sample.tasks.map { task -> JSONValue in
            var object = JSONObject()
            object["step"] = .string(task.step)
            object["instance"] = .int(Int64(task.instance))
            object["recordsIn"] = .int(Int64(task.recordsIn))
            object["recordsOut"] = .int(Int64(task.recordsOut))
            object["inputWatermarkMs"] = task.inputWatermarkMs.map { .int($0) }
            object["outputWatermarkMs"] = task.outputWatermarkMs.map { .int($0) }
            object["busyNs"] = .int(Int64(bitPattern: task.busyNanoseconds))
            object["backPressuredNs"] = .int(Int64(bitPattern: task.backPressuredNanoseconds))
            object["inputQueued"] = .int(Int64(task.inputQueued))
            object["inputCapacity"] = .int(Int64(task.inputCapacity))
            object["keyedStateEntries"] = task.keyedStateEntries.map { .int(Int64($0)) }
            object["keyedStateBytes"] = task.keyedStateBytes.map { .int(Int64($0)) }
            object["counters"] = .array(task.counters.prefix(countersPerTaskMax).map {
                .object(JSONObject([("name", .string($0.name)), ("value", .int($0.value))]))
            })
            return .object(object)
        }
        let deadLetters = sample.deadLetters.map { entry -> JSONValue in
            .object(JSONObject([
                ("step", .string(entry.step)), ("reason", .string(entry.reason)), ("count", .int(Int64(entry.count))),
            ]))
        }
        return .object(JSONObject([
            ("workerPid", .int(Int64(workerPid))), ("attempt", .int(Int64(sample.attempt))),
            ("monotonicNs", .int(Int64(bitPattern: sample.monotonicNanoseconds))),
            ("wallClockMs", .int(sample.wallClockMs)), ("tasks", .array(tasks)), ("deadLetters", .array(deadLetters)),
            ("checkpoints", .object(checkpoints)), ("stateBackend", .string(sample.stateBackend)),
        ]))
    }

    /// Reads a sample back; its `attempt` becomes one number per worker
    /// process and attempt, so that a restarted attempt's counts (from 0
    /// again) are told from the last one's.
    public static func sample(_ fields: JSONFields) throws(JSONFieldError) -> JobSample {
        let pid: Int = try fields.read("workerPid")
        let attempt: Int = try fields.read("attempt")
        let monotonic: Int64 = try fields.read("monotonicNs")
        var sample = JobSample(attempt: pid &* 1_000_003 &+ attempt, monotonicNanoseconds: UInt64(bitPattern: monotonic),
                               wallClockMs: try fields.read("wallClockMs"))
        for entry in try fields.objects("tasks") {
            var task = JobSample.Task(step: try entry.read("step"), instance: try entry.read("instance"))
            task.recordsIn = try entry.read("recordsIn")
            task.recordsOut = try entry.read("recordsOut")
            task.inputWatermarkMs = try entry.readIfPresent("inputWatermarkMs")
            task.outputWatermarkMs = try entry.readIfPresent("outputWatermarkMs")
            task.busyNanoseconds = UInt64(bitPattern: try entry.read("busyNs") as Int64)
            task.backPressuredNanoseconds = UInt64(bitPattern: try entry.read("backPressuredNs") as Int64)
            task.inputQueued = try entry.read("inputQueued")
            task.inputCapacity = try entry.read("inputCapacity")
            task.keyedStateEntries = try entry.readIfPresent("keyedStateEntries")
            task.keyedStateBytes = try entry.readIfPresent("keyedStateBytes")
            task.counters = try entry.objects("counters").map { (counter) throws(JSONFieldError) in
                (name: try counter.read("name") as String, value: try counter.read("value") as Int64)
            }
            sample.tasks.append(task)
        }
        sample.deadLetters = try fields.objects("deadLetters").map { (entry) throws(JSONFieldError) in
            JobSample.DeadLetters(step: try entry.read("step"), reason: try entry.read("reason"), count: try entry.read("count"))
        }
        let checkpoints = try fields.object("checkpoints")
        sample.checkpoints.completed = try checkpoints.read("completed")
        sample.checkpoints.failed = try checkpoints.read("failed")
        sample.checkpoints.aborted = try checkpoints.read("aborted")
        sample.checkpoints.lastDurationMs = try checkpoints.readIfPresent("lastDurationMs")
        sample.checkpoints.lastSizeBytes = try checkpoints.readIfPresent("lastSizeBytes")
        sample.checkpoints.lastAlignmentMs = try checkpoints.readIfPresent("lastAlignmentMs")
        sample.checkpoints.lastID = try checkpoints.readIfPresent("lastID")
        sample.stateBackend = try fields.readIfPresent("stateBackend") ?? sample.stateBackend
        return sample
    }

    /// The worker's side: writes each sample over the last (a temporary
    /// file renamed over it, so that the server never reads half a file).
    ///
    /// # Thread safety
    /// `write` may be called from any thread (the metrics reporter calls
    /// it from its queue, one sample at a time).
    public final class Writer: Sendable {
        public let path: String
        private let failed = Atomic<Bool>(false)

        public init(jobDirectory: String) {
            path = jobDirectory + "/" + LiveSampleFile.fileName
        }

        /// Writes `sample`; a failure's message is returned the first time
        /// only (for the worker to log once), and the job runs on. Renamed
        /// into place (never read half written) but not fsynced, unlike the
        /// durable-file layer's files: a sample is rewritten every second
        /// and worthless after a crash, so a sync a second would buy nothing.
        public func write(_ sample: JobSample) -> String? {
            do {
                try Data(LiveSampleFile.json(sample, workerPid: getpid()).serializedBytes())
                    .write(to: URL(fileURLWithPath: path), options: .atomic)
                return nil
            } catch {
                guard !failed.exchange(true, ordering: .relaxed) else { return nil }
                return "cannot write the job's live metrics to \(path): \(error.localizedDescription)"
            }
        }
    }

    /// The server's side: the latest sample, or nil when there is none (or
    /// it cannot be read: a worker of another version, a full disk).
    public static func read(jobDirectory: String) -> JobSample? {
        guard let file = FileHandle(forReadingAtPath: jobDirectory + "/" + fileName) else { return nil }
        defer { try? file.close() }
        guard let data = try? file.read(upToCount: bytesMax + 1), data.count <= bytesMax else { return nil }
        return try? sample(JSONFields(parsing: Array(data)))
    }
}
