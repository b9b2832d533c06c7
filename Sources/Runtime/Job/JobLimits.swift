/// The bounds of a job file's numbers, in one place: the file and `--set`
/// overrides are read by the same code against these limits, so an
/// override can never set what the file could not. docs/JOBS.md lists
/// them ("Limits").
public enum JobLimits {
    /// Tasks per step (`parallelism`, top level and per step).
    public static let parallelismMax = 32_768
    /// Key groups (`max_parallelism`); no step may run more tasks than this.
    public static let maxParallelismMax = 32_768
    /// Records per batch between steps (`batch_size`).
    public static let batchSizeMax = 65_536
    /// Batches a channel holds before its producer waits
    /// (`channel_capacity`); with `batchSizeMax` it bounds a channel's memory.
    public static let channelCapacityMax = 4_096

    /// The shortest checkpoint interval and timeout (`checkpoints.interval_ms`,
    /// `checkpoints.timeout_ms`), and the shortest `cancellation_timeout_ms`.
    public static let checkpointIntervalMsMin = 10
    /// The longest checkpoint interval, timeout, pause and restart delay: a day.
    public static let durationMsMax = 86_400_000
    /// Completed checkpoints kept on disk (`checkpoints.retained`).
    public static let checkpointsRetainedMax = 1_000
    /// Restart attempts (`checkpoints.restart.attempts`).
    public static let restartAttemptsMax = 1_000_000
    /// The growth of an exponential backoff delay (`checkpoints.restart.multiplier`).
    public static let restartMultiplierMax = 100.0
    /// The bound of a source's watermark lag and idle timeout
    /// (`watermarks.max_out_of_orderness_ms`, `watermarks.idle_timeout_ms`): a year.
    public static let watermarkDelayMsMax = 365 * 86_400_000
    /// The smallest memory state bound (`state.memory_bytes_max`).
    public static let stateMemoryBytesMin = 1_024
    /// YAML nodes a job file may expand to, each use of an alias counting
    /// its whole anchor again: a few lines of aliases of aliases expand
    /// exponentially (a "billion laughs"), and reading them would not end.
    /// A job file of real size has a few thousand.
    public static let yamlNodesMax = 100_000
}
