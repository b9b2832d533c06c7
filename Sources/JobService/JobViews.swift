/// A submission as the API and the CLI send it: the job file's text (the
/// server does not read the client's files), the name to give it in
/// errors, absolute plugin paths the server can read, `--set` overrides
/// and an optional savepoint directory to start from.
public struct JobSubmitRequest: Codable, Sendable {
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

/// A job in a list: its id, name, state and restarts.
public struct JobOverview: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
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

/// Everything the service knows of one job.
public struct JobDescription: Codable, Sendable {
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

    public struct Step: Codable, Sendable {
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
    }

    public struct Checkpoint: Codable, Sendable {
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
    public struct Exception: Codable, Sendable {
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

/// What an operation did: the savepoint it took, if any, and a sentence.
public struct JobActionResult: Codable, Sendable {
    public var id: String
    public var savepoint: String?
    public var message: String
}
