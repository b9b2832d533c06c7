/// How far a running job has come: its record counts so far and their
/// rates over the last interval, for a caller to show (the CLI draws a
/// status line from it; the engine itself never prints).
public struct JobProgress: Sendable, Equatable {
    /// The job's name, from its job file.
    public let jobName: String
    /// Records the sources emitted in this attempt so far.
    public let sourceRecords: Int
    /// Records the sinks received in this attempt so far.
    public let sinkRecords: Int
    /// Source records per second over the interval since the last report.
    public let sourceRecordsPerSecond: Double
    /// Sink records per second over the interval since the last report.
    public let sinkRecordsPerSecond: Double

    public init(jobName: String, sourceRecords: Int, sinkRecords: Int, sourceRecordsPerSecond: Double,
                sinkRecordsPerSecond: Double) {
        self.jobName = jobName
        self.sourceRecords = sourceRecords
        self.sinkRecords = sinkRecords
        self.sourceRecordsPerSecond = sourceRecordsPerSecond
        self.sinkRecordsPerSecond = sinkRecordsPerSecond
    }

    /// How often a running attempt reports its progress.
    public static let reportIntervalMs = 1000
}

/// Receives the progress of a run (`RunOptions.progress`).
///
/// # Thread safety
/// Called on a dispatch queue's thread, never concurrently for one attempt:
/// `progressed` once per `JobProgress.reportIntervalMs` while the attempt
/// runs, then `attemptEnded` once, after the last `progressed` has returned.
/// A job that restarts or swaps reports each attempt this way in turn.
public protocol JobProgressObserver: AnyObject, Sendable {
    /// The attempt's counts and rates at the end of one interval.
    func progressed(_ progress: JobProgress)
    /// The attempt stopped running; no more reports come from it.
    func attemptEnded()
}
