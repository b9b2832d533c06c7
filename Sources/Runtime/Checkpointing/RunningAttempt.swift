/// An attempt of a job while it runs: in this process (`JobExecution`) or
/// in a worker process (`WorkerProcess`).
///
/// # Thread safety
/// Every method may be called from any thread while the attempt runs.
public protocol RunningAttempt: AnyObject, Sendable {
    /// Records the attempt's sources emitted so far.
    var sourceRecordsSoFar: Int { get }
    /// Stop the sources and drain.
    func requestStop()
    /// Abandon the attempt.
    func cancel(reason: String)
    func requestSavepoint(stop: Bool, completion: @escaping @Sendable (Result<SavepointResult, JobFailure>) -> Void)
}

extension JobExecution: RunningAttempt {}
