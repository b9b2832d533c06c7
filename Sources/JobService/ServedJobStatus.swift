import Dispatch
import Foundation
import Runtime

/// The supervisor's side of `JobStatusReport`: rewrites `DIR/status.json`
/// from the runner's attempts once every interval while the job runs, and
/// a last time with the ending. Writes are small (one line per attempt and
/// step) and atomic.
///
/// # Thread safety
/// The timer runs on a global queue; `finish` is called once, by the
/// thread that ran the job, after `JobRunner.run` returned. Its fields are
/// set once in `init` (the timer source is thread-safe).
public final class ServedJobStatus: @unchecked Sendable {
    private let directory: String
    private let runner: JobRunner
    private let timer: any DispatchSourceTimer

    public init(directory: String, runner: JobRunner, intervalSeconds: Int) {
        self.directory = directory
        self.runner = runner
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .seconds(intervalSeconds))
        timer.setEventHandler { [directory, runner] in
            try? Self.report(runner: runner, ending: nil, savepoint: nil, failure: nil).write(jobDirectory: directory)
        }
        timer.resume()
    }

    /// Stops the timer and writes how the job ended.
    public func finish(_ result: JobResult) {
        timer.cancel()
        let ending: JobStatusReport.Ending = result.failure != nil ? .failed
            : (result.stoppedOnRequest || result.savepointDirectory != nil) ? .stopped : .finished
        try? Self.report(runner: runner, ending: ending, savepoint: result.savepointDirectory,
                         failure: result.failure.map { "\($0)" }).write(jobDirectory: directory)
    }

    static func report(runner: JobRunner, ending: JobStatusReport.Ending?, savepoint: String?, failure: String?)
        -> JobStatusReport
    {
        JobStatusReport(
            supervisorPid: getpid(), ending: ending, savepoint: savepoint, failure: failure,
            restarts: runner.restarts.load(ordering: .relaxed), attempts: runner.attempts.map(JobStatusReport.Attempt.init), restoredFrom: runner.restoredFrom,
            updatedAtMs: JobManager.nowMs())
    }
}

extension JobStatusReport.Attempt {
    init(_ record: AttemptRecord) {
        let result = record.result
        self.init(
            number: record.number, restoredFrom: record.restoredFrom, countsKnown: record.countsKnown,
            sourceRecords: result.sourceRecords, sinkRecords: result.sinkRecords, rejectedRecords: result.rejectedRecords,
            checkpointsCompleted: result.checkpointsCompleted, seconds: result.seconds, failure: result.failure.map { "\($0)" },
            savepoint: result.savepointDirectory,
            steps: result.steps.map {
                JobStatusReport.StepCounts(stepID: $0.stepID, recordsIn: $0.recordsIn, recordsOut: $0.recordsOut,
                                           rejected: $0.rejected)
            })
        failureStep = result.failurePlace?.stepID
        failureInstance = result.failurePlace?.instance
    }
}
