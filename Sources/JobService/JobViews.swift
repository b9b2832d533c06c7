import Core

// The API's bodies (OpenAPI components "JobSubmitRequest", "JobOverview",
// "JobDescription", "JobActionResult"), each with its JSON right after it:
// `json` for the side that sends it and `init(json:)` for the side that
// reads it (the server or the `jobs` CLI), through the host's one JSON
// stack (Core's, docs/ARCHITECTURE.md "JSON"). Keys are written sorted and
// absent optionals left out, as Foundation's `JSONEncoder` (sorted keys)
// wrote them before. A new field: the stored property, one line in `json`
// (in key order) and one in `init(json:)` (`readIfPresent` when an older
// server or client may not send it), and the schema in scripts/openapi.py.

/// A submission as the API and the CLI send it: the job file's text (the
/// server does not read the client's files), the name to give it in
/// errors, absolute plugin paths the server can read, `--set` overrides
/// and an optional savepoint directory to start from.
public struct JobSubmitRequest: Sendable {
    public var jobText: String
    public var fileName: String
    public var plugins: [String]
    public var overrides: [String]
    public var fromSavepoint: String?

    public init(jobText: String, fileName: String, plugins: [String] = [], overrides: [String] = [],
                fromSavepoint: String? = nil) {
        self.jobText = jobText
        self.fileName = fileName
        self.plugins = plugins
        self.overrides = overrides
        self.fromSavepoint = fromSavepoint
    }
}

extension JobSubmitRequest {
    public var json: JSONValue {
        var object: JSONObject = ["fileName": .string(fileName)]
        object["fromSavepoint"] = fromSavepoint.map(JSONValue.string)
        object["jobText"] = .string(jobText)
        object["overrides"] = .array(overrides.map(JSONValue.string))
        object["plugins"] = .array(plugins.map(JSONValue.string))
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(jobText: try fields.read("jobText"), fileName: try fields.read("fileName"),
                  plugins: try fields.read("plugins"), overrides: try fields.read("overrides"),
                  fromSavepoint: try fields.readIfPresent("fromSavepoint"))
    }
}

/// A job in a list: its id, name, state and restarts.
public struct JobOverview: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Kept but not started (its supervisor has not run yet).
        case created
        /// Its supervisor runs (an attempt runs, or the job restarts).
        case running
        /// Its sources ended and the pipeline drained.
        case finished
        /// It failed beyond its restart strategy, or its supervisor died.
        case failed
        /// It stopped on a signal (the server's stop) and was not resumed.
        case stopped
        /// Cancelled through the service (with or without a savepoint).
        case cancelled
    }

    public var id: String
    public var name: String
    public var state: State
    public var submittedAtMs: Int64
    public var restarts: Int
    public var attempts: Int
}

extension JobOverview {
    public var json: JSONValue {
        ["attempts": .int(Int64(attempts)), "id": .string(id), "name": .string(name), "restarts": .int(Int64(restarts)),
         "state": .string(state.rawValue), "submittedAtMs": .int(submittedAtMs)]
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(id: try fields.read("id"), name: try fields.read("name"), state: try fields.read("state"),
                  submittedAtMs: try fields.read("submittedAtMs"), restarts: try fields.read("restarts"),
                  attempts: try fields.read("attempts"))
    }
}

/// Everything the service knows of one job.
public struct JobDescription: Sendable {
    public var overview: JobOverview
    public var fileName: String
    public var plugins: [String]
    public var overrides: [String]
    public var fromSavepoint: String?
    /// The supervisor's process id while it runs.
    public var supervisorPid: Int32?
    /// The step graph, with the latest reported counts of each step.
    public var steps: [Step]
    /// The attempts that ended.
    public var attempts: [JobStatusReport.Attempt]
    /// What each attempt started so far restored from (a checkpoint or
    /// savepoint id; nil: from the start), the running one included.
    public var restoredFrom: [Int64?]
    public var checkpoints: [Checkpoint]
    public var exceptions: [Exception]
    /// The savepoint the job stopped with, if it did.
    public var savepoint: String?
    /// The running attempt's checkpoint counts and last figures (nil while
    /// the job does not run, or before its worker's first sample).
    public var liveCheckpoints: CheckpointsLive? = nil

    public struct Step: Sendable {
        public var id: String
        /// source, operator, sink or key_by.
        public var kind: String
        /// The component's name (key_by: the key field).
        public var component: String
        public var parallelism: Int
        public var inputs: [String]
        /// From the latest attempt whose worker reported (nil before one did).
        public var recordsIn: Int?
        public var recordsOut: Int?
        public var rejected: Int?
        /// The running attempt's live figures (nil while the job does not
        /// run, or before its worker's first sample).
        public var live: StepLive? = nil
    }

    public struct Checkpoint: Sendable {
        public var id: Int64
        /// checkpoint or savepoint.
        public var kind: String
        public var directory: String
        public var triggeredAtMs: Int64
        public var bytes: Int
    }

    /// A failure: of an attempt (nil: of the supervisor itself), with the
    /// step and instance that raised it when one did (carried as fields
    /// from the failure through the worker's report, `FailurePlace`).
    public struct Exception: Sendable {
        public var attempt: Int?
        public var step: String?
        public var instance: Int?
        public var message: String

        init(attempt: Int?, message: String, step: String? = nil, instance: Int? = nil) {
            self.attempt = attempt
            self.message = message
            self.step = step
            self.instance = instance
        }
    }
}

extension JobDescription {
    public var json: JSONValue {
        var object: JSONObject = [
            "attempts": .array(attempts.map(\.json)),
            "checkpoints": .array(checkpoints.map(\.json)),
            "exceptions": .array(exceptions.map(\.json)),
            "fileName": .string(fileName),
        ]
        object["fromSavepoint"] = fromSavepoint.map(JSONValue.string)
        object["liveCheckpoints"] = liveCheckpoints?.json
        object["overrides"] = .array(overrides.map(JSONValue.string))
        object["overview"] = overview.json
        object["plugins"] = .array(plugins.map(JSONValue.string))
        object["restoredFrom"] = .array(restoredFrom.map { $0.map(JSONValue.int) ?? .null })
        object["savepoint"] = savepoint.map(JSONValue.string)
        object["steps"] = .array(steps.map(\.json))
        object["supervisorPid"] = supervisorPid.map { .int(Int64($0)) }
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            overview: try JobOverview(json: try fields.object("overview")), fileName: try fields.read("fileName"),
            plugins: try fields.read("plugins"), overrides: try fields.read("overrides"),
            fromSavepoint: try fields.readIfPresent("fromSavepoint"), supervisorPid: try fields.readIfPresent("supervisorPid"),
            steps: try fields.objects("steps").map { (step) throws(JSONFieldError) in try Step(json: step) },
            attempts: try fields.objects("attempts").map { (attempt) throws(JSONFieldError) in
                try JobStatusReport.Attempt(json: attempt)
            },
            restoredFrom: try fields.readElementsOrNull("restoredFrom"),
            checkpoints: try fields.objects("checkpoints").map { (checkpoint) throws(JSONFieldError) in
                try Checkpoint(json: checkpoint)
            },
            exceptions: try fields.objects("exceptions").map { (exception) throws(JSONFieldError) in
                try Exception(json: exception)
            },
            savepoint: try fields.readIfPresent("savepoint"),
            liveCheckpoints: try fields.objectIfPresent("liveCheckpoints").map { (live) throws(JSONFieldError) in
                try CheckpointsLive(json: live)
            })
    }
}

extension JobDescription.Step {
    public var json: JSONValue {
        var object: JSONObject = [
            "component": .string(component),
            "id": .string(id),
            "inputs": .array(inputs.map(JSONValue.string)),
            "kind": .string(kind),
            "parallelism": .int(Int64(parallelism)),
        ]
        object["recordsIn"] = recordsIn.map { .int(Int64($0)) }
        object["recordsOut"] = recordsOut.map { .int(Int64($0)) }
        object["rejected"] = rejected.map { .int(Int64($0)) }
        object["live"] = live?.json
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(
            id: try fields.read("id"), kind: try fields.read("kind"), component: try fields.read("component"),
            parallelism: try fields.read("parallelism"), inputs: try fields.read("inputs"),
            recordsIn: try fields.readIfPresent("recordsIn"), recordsOut: try fields.readIfPresent("recordsOut"),
            rejected: try fields.readIfPresent("rejected"),
            live: try fields.objectIfPresent("live").map { (live) throws(JSONFieldError) in try StepLive(json: live) })
    }
}

extension JobDescription.Checkpoint {
    public var json: JSONValue {
        ["bytes": .int(Int64(bytes)), "directory": .string(directory), "id": .int(id), "kind": .string(kind),
         "triggeredAtMs": .int(triggeredAtMs)]
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(id: try fields.read("id"), kind: try fields.read("kind"), directory: try fields.read("directory"),
                  triggeredAtMs: try fields.read("triggeredAtMs"), bytes: try fields.read("bytes"))
    }
}

extension JobDescription.Exception {
    public var json: JSONValue {
        var object = JSONObject()
        object["attempt"] = attempt.map { .int(Int64($0)) }
        object["instance"] = instance.map { .int(Int64($0)) }
        object["message"] = .string(message)
        object["step"] = step.map(JSONValue.string)
        return .object(object)
    }

    /// Reads an exception as the API sent it (its step and instance as
    /// given, not worked out from the message again).
    public init(json fields: JSONFields) throws(JSONFieldError) {
        attempt = try fields.readIfPresent("attempt")
        step = try fields.readIfPresent("step")
        instance = try fields.readIfPresent("instance")
        message = try fields.read("message")
    }
}

/// What an operation did: the savepoint it took, if any, and a sentence.
public struct JobActionResult: Sendable {
    public var id: String
    public var savepoint: String?
    public var message: String
}

extension JobActionResult {
    public var json: JSONValue {
        var object: JSONObject = ["id": .string(id), "message": .string(message)]
        object["savepoint"] = savepoint.map(JSONValue.string)
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(id: try fields.read("id"), savepoint: try fields.readIfPresent("savepoint"),
                  message: try fields.read("message"))
    }
}
