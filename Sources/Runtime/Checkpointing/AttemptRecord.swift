/// What one attempt of a run did, for the per-attempt lines of a summary.
public struct AttemptRecord: Sendable {
    /// 1 for the first attempt.
    public let number: Int
    /// The checkpoint or savepoint id it started from; nil: from the start.
    public let restoredFrom: Int64?
    public let result: JobResult
    /// False when the attempt's worker process died before it reported:
    /// its counts are unknown (zero in `result`, and missing from the
    /// run's totals).
    public let countsKnown: Bool
}
