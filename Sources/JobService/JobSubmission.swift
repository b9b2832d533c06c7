import Foundation

/// A job as submitted to the service and kept in `DATA/jobs/ID/submission.json`
/// (its job file beside it as `job.yaml`): what the service needs to start
/// it again — after a rescale or a swap, and when the server starts with
/// the job still meant to run.
public struct JobSubmission: Codable, Sendable, Equatable {
    public var id: String
    /// The job's `name:` (its checkpoints and savepoints are kept under it).
    public var name: String
    /// The job file's name as the submitter gave it: errors name it, as
    /// the CLI's do.
    public var fileName: String
    public var plugins: [String]
    /// `--set` overrides, in order (a rescale replaces `parallelism=`).
    public var overrides: [String]
    /// The savepoint the job (re)started from last, if any.
    public var fromSavepoint: String?
    public var submittedAtMs: Int64
    /// Whether the job should be running: false once it was cancelled or
    /// stopped with a savepoint; a server that starts resumes the others.
    public var desiredRunning: Bool

    public init(id: String, name: String, fileName: String, plugins: [String], overrides: [String],
                fromSavepoint: String?, submittedAtMs: Int64) {
        self.id = id
        self.name = name
        self.fileName = fileName
        self.plugins = plugins
        self.overrides = overrides
        self.fromSavepoint = fromSavepoint
        self.submittedAtMs = submittedAtMs
        self.desiredRunning = true
    }
}

/// What a job's supervisor (`streamhost run --served-job DIR`) reports to
/// the service, rewritten atomically in `DATA/jobs/ID/status.json` while it
/// runs and once when it ends: its attempts so far and, at the end, how the
/// job ended.
public struct JobStatusReport: Codable, Sendable, Equatable {
    public enum Ending: String, Codable, Sendable {
        case finished, failed, stopped
    }

    public var supervisorPid: Int32
    /// nil while the job runs.
    public var ending: Ending?
    /// The savepoint a stop-with-savepoint ended the job with.
    public var savepoint: String?
    public var failure: String?
    public var restarts: Int
    /// The attempts that ended.
    public var attempts: [Attempt]
    /// What each attempt started so far restored from (nil: from the
    /// start), the running one included.
    public var restoredFrom: [Int64?]
    public var updatedAtMs: Int64

    public init(supervisorPid: Int32, ending: Ending?, savepoint: String?, failure: String?, restarts: Int,
                attempts: [Attempt], restoredFrom: [Int64?], updatedAtMs: Int64) {
        self.supervisorPid = supervisorPid
        self.ending = ending
        self.savepoint = savepoint
        self.failure = failure
        self.restarts = restarts
        self.attempts = attempts
        self.restoredFrom = restoredFrom
        self.updatedAtMs = updatedAtMs
    }

    /// One attempt: what it restored from, its counts (unknown when its
    /// worker died before reporting) and how it ended.
    public struct Attempt: Codable, Sendable, Equatable {
        public var number: Int
        public var restoredFrom: Int64?
        public var countsKnown: Bool
        public var sourceRecords: Int
        public var sinkRecords: Int
        public var rejectedRecords: Int
        public var checkpointsCompleted: Int
        /// How long the attempt ran, in seconds (0 when unknown).
        public var seconds: Double
        public var failure: String?
        /// The step instance that raised `failure`, when one did.
        public var failureStep: String?
        public var failureInstance: Int?
        public var savepoint: String?
        public var steps: [StepCounts]

        public init(number: Int, restoredFrom: Int64?, countsKnown: Bool, sourceRecords: Int, sinkRecords: Int,
                    rejectedRecords: Int, checkpointsCompleted: Int, seconds: Double, failure: String?,
                    savepoint: String?, steps: [StepCounts]) {
            self.number = number
            self.restoredFrom = restoredFrom
            self.countsKnown = countsKnown
            self.sourceRecords = sourceRecords
            self.sinkRecords = sinkRecords
            self.rejectedRecords = rejectedRecords
            self.checkpointsCompleted = checkpointsCompleted
            self.seconds = seconds
            self.failure = failure
            self.savepoint = savepoint
            self.steps = steps
        }
    }

    /// One step's counts over an attempt (all its instances).
    public struct StepCounts: Codable, Sendable, Equatable {
        public var stepID: String
        public var recordsIn: Int
        public var recordsOut: Int
        public var rejected: Int

        public init(stepID: String, recordsIn: Int, recordsOut: Int, rejected: Int) {
            self.stepID = stepID
            self.recordsIn = recordsIn
            self.recordsOut = recordsOut
            self.rejected = rejected
        }
    }

    public static let fileName = "status.json"
}

/// Reads and writes the service's small JSON files: atomically (a
/// temporary file renamed over the old one), so that a reader never sees
/// half a file.
enum JobFiles {
    static func write<Value: Encodable>(_ value: Value, to path: String) throws(JobServiceError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .failed("cannot write \(path): \(error.localizedDescription); check the data directory's "
                + "permissions and free space")
        }
    }

    static func read<Value: Decodable>(_ type: Value.Type, from path: String) -> Value? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }
}

extension JobStatusReport {
    /// Writes the report into a served job's directory (the supervisor's side).
    public func write(jobDirectory: String) throws(JobServiceError) {
        try JobFiles.write(self, to: jobDirectory + "/" + Self.fileName)
    }
}
