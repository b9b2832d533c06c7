/// When and how a job takes checkpoints, and how it restarts after a
/// failure (`checkpoints:` in a job file).
///
/// Without the section a job takes no checkpoints: a failure ends the run
/// and a restart begins from the sources' configured start positions.
public struct CheckpointSpec: Sendable, Equatable {
    /// What a restart after a task failure waits, and how often it tries.
    public enum RestartStrategy: Sendable, Equatable {
        /// The first failure ends the job.
        case none
        /// Waits `delayMs` between attempts, at most `attempts` times.
        case fixedDelay(attempts: Int, delayMs: Int64)
        /// Waits `initialDelayMs`, multiplied by `multiplier` after each
        /// failure up to `maxDelayMs`, at most `attempts` times. A run that
        /// stays up for `resetAfterMs` starts the count and delay afresh.
        case exponentialBackoff(attempts: Int, initialDelayMs: Int64, maxDelayMs: Int64, multiplier: Double,
                                resetAfterMs: Int64)

        public static let names = ["none", "fixed_delay", "exponential_backoff"]
    }

    /// Time between the start of two checkpoints.
    public var intervalMs: Int64
    /// A checkpoint that is not complete after this long is aborted.
    public var timeoutMs: Int64
    /// At least this long between the end of one checkpoint and the start of
    /// the next, so a slow checkpoint does not leave no time for records.
    public var minPauseMs: Int64
    /// Complete checkpoints kept; older ones are deleted.
    public var retained: Int
    /// Where checkpoints go (default `<data dir>/checkpoints/<job>`).
    public var directory: String?
    public var restart: RestartStrategy
    /// Checkpoints in a row that may fail (time out, or fail to write)
    /// before the attempt fails and the restart strategy applies (Flink's
    /// `execution.checkpointing.tolerable-failed-checkpoints`); a completed
    /// checkpoint starts the count again. nil: any number (a checkpoint
    /// that fails never fails the job). This is what ends an attempt whose
    /// task hangs: its barriers never pass, so every checkpoint times out.
    public var tolerableFailedCheckpoints: Int?

    public static let timeoutMsDefault: Int64 = 600_000
    public static let retainedDefault = 3
    public static let restartDefault = RestartStrategy.fixedDelay(attempts: 3, delayMs: 1_000)

    public init(
        intervalMs: Int64, timeoutMs: Int64 = CheckpointSpec.timeoutMsDefault, minPauseMs: Int64 = 0,
        retained: Int = CheckpointSpec.retainedDefault, directory: String? = nil,
        restart: RestartStrategy = CheckpointSpec.restartDefault
    ) {
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.minPauseMs = minPauseMs
        self.retained = retained
        self.directory = directory
        self.restart = restart
    }

    public static let fields = [
        "interval_ms", "timeout_ms", "min_pause_ms", "retained", "directory", "restart", "tolerable_failed_checkpoints",
    ]
    public static let restartFields = [
        "strategy", "attempts", "delay_ms", "initial_delay_ms", "max_delay_ms", "multiplier", "reset_after_ms",
    ]
}
