import Core
import DurableFiles
import Foundation

/// A job as submitted to the service and kept in `DATA/jobs/ID/submission.json`
/// (its job file beside it as `job.yaml`): what the service needs to start
/// it again — after a rescale or a swap, and when the server starts with
/// the job still meant to run.
public struct JobSubmission: Sendable, Equatable {
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
public struct JobStatusReport: Sendable, Equatable {
    public enum Ending: String, Sendable {
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
    public struct Attempt: Sendable, Equatable {
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
    public struct StepCounts: Sendable, Equatable {
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

// MARK: JSON
//
// The files hold compact JSON with sorted keys and absent optionals left
// out: the layout Foundation's `JSONEncoder` (sorted keys) gave them
// before the host moved to its one JSON stack (Core's, docs/ARCHITECTURE.md
// "JSON"), so that a data directory written then still opens. The
// attempts and their step counts are also the API's (OpenAPI "Attempt",
// "StepCounts"). A new field: one line in `json` and one in `init(json:)`,
// read with `readIfPresent` when files without it must still open.

extension JobSubmission {
    /// `submission.json`'s JSON.
    public var json: JSONValue {
        var object: JSONObject = [
            "desiredRunning": .bool(desiredRunning),
            "fileName": .string(fileName),
        ]
        object["fromSavepoint"] = fromSavepoint.map(JSONValue.string)
        object["id"] = .string(id)
        object["name"] = .string(name)
        object["overrides"] = .array(overrides.map(JSONValue.string))
        object["plugins"] = .array(plugins.map(JSONValue.string))
        object["submittedAtMs"] = .int(submittedAtMs)
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(id: try fields.read("id"), name: try fields.read("name"), fileName: try fields.read("fileName"),
                  plugins: try fields.read("plugins"), overrides: try fields.read("overrides"),
                  fromSavepoint: try fields.readIfPresent("fromSavepoint"), submittedAtMs: try fields.read("submittedAtMs"))
        desiredRunning = try fields.read("desiredRunning")
    }
}

extension JobStatusReport {
    /// `status.json`'s JSON.
    public var json: JSONValue {
        var object: JSONObject = ["attempts": .array(attempts.map(\.json))]
        object["ending"] = ending.map { .string($0.rawValue) }
        object["failure"] = failure.map(JSONValue.string)
        object["restarts"] = .int(Int64(restarts))
        object["restoredFrom"] = .array(restoredFrom.map { $0.map(JSONValue.int) ?? .null })
        object["savepoint"] = savepoint.map(JSONValue.string)
        object["supervisorPid"] = .int(Int64(supervisorPid))
        object["updatedAtMs"] = .int(updatedAtMs)
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            supervisorPid: try fields.read("supervisorPid"), ending: try fields.readIfPresent("ending"),
            savepoint: try fields.readIfPresent("savepoint"), failure: try fields.readIfPresent("failure"),
            restarts: try fields.read("restarts"),
            attempts: try fields.objects("attempts").map { (attempt) throws(JSONFieldError) in try Attempt(json: attempt) },
            restoredFrom: try fields.readElementsOrNull("restoredFrom"), updatedAtMs: try fields.read("updatedAtMs"))
    }
}

extension JobStatusReport.Attempt {
    /// The attempt's JSON (OpenAPI "Attempt").
    public var json: JSONValue {
        var object: JSONObject = [
            "checkpointsCompleted": .int(Int64(checkpointsCompleted)),
            "countsKnown": .bool(countsKnown),
        ]
        object["failure"] = failure.map(JSONValue.string)
        object["failureInstance"] = failureInstance.map { .int(Int64($0)) }
        object["failureStep"] = failureStep.map(JSONValue.string)
        object["number"] = .int(Int64(number))
        object["rejectedRecords"] = .int(Int64(rejectedRecords))
        object["restoredFrom"] = restoredFrom.map(JSONValue.int)
        object["savepoint"] = savepoint.map(JSONValue.string)
        object["seconds"] = .double(seconds)
        object["sinkRecords"] = .int(Int64(sinkRecords))
        object["sourceRecords"] = .int(Int64(sourceRecords))
        object["steps"] = .array(steps.map(\.json))
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            number: try fields.read("number"), restoredFrom: try fields.readIfPresent("restoredFrom"),
            countsKnown: try fields.read("countsKnown"), sourceRecords: try fields.read("sourceRecords"),
            sinkRecords: try fields.read("sinkRecords"), rejectedRecords: try fields.read("rejectedRecords"),
            checkpointsCompleted: try fields.read("checkpointsCompleted"), seconds: try fields.read("seconds"),
            failure: try fields.readIfPresent("failure"), savepoint: try fields.readIfPresent("savepoint"),
            steps: try fields.objects("steps").map { (step) throws(JSONFieldError) in
                try JobStatusReport.StepCounts(json: step)
            })
        failureStep = try fields.readIfPresent("failureStep")
        failureInstance = try fields.readIfPresent("failureInstance")
    }
}

extension JobStatusReport.StepCounts {
    /// One step's counts as JSON (OpenAPI "StepCounts").
    public var json: JSONValue {
        ["recordsIn": .int(Int64(recordsIn)), "recordsOut": .int(Int64(recordsOut)), "rejected": .int(Int64(rejected)),
         "stepID": .string(stepID)]
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(stepID: try fields.read("stepID"), recordsIn: try fields.read("recordsIn"),
                  recordsOut: try fields.read("recordsOut"), rejected: try fields.read("rejected"))
    }
}

/// Reads and writes the service's small JSON files through the one
/// durable-file layer (write a temporary file, fsync, rename, fsync the
/// directory), so that a reader never sees half a file and a crash leaves
/// the old or the new one.
enum JobFiles {
    static func write(_ json: JSONValue, to path: String) throws(JobServiceError) {
        do throws(FileSystemError) {
            try ActiveFileSystem.current.writeAtomically(json.serializedBytes(), to: path)
        } catch {
            throw .failed("cannot write \(path): \(error); check the data directory's permissions and free space")
        }
    }

    /// The file's value, or nil when it is missing or is not one (a file
    /// half written by a host without atomic writes, or another program's).
    static func read<Value>(from path: String, _ make: (JSONFields) throws(JSONFieldError) -> Value) -> Value? {
        guard let data = FileManager.default.contents(atPath: path),
              let fields = try? JSONFields(parsing: Array(data))
        else { return nil }
        return try? make(fields)
    }
}

extension JobStatusReport {
    /// Writes the report into a served job's directory (the supervisor's side).
    public func write(jobDirectory: String) throws(JobServiceError) {
        try JobFiles.write(json, to: jobDirectory + "/" + Self.fileName)
    }
}
