import Foundation

/// What a worker process (`isolation: process`) tells its supervisor about
/// the attempt it ran: the attempt's result, written as JSON to the file
/// the supervisor named. A worker that dies before writing it failed.
public struct WorkerReport: Codable, Sendable, Equatable {
    /// How the attempt ended, so that the supervisor applies the same rules
    /// as to an attempt in its own process (a cancelled run or a failed
    /// restore is not restarted).
    public enum Ending: String, Codable, Sendable {
        case succeeded, failed, cancelled, restoreFailed
    }

    public var ending: Ending
    public var failure: String?
    public var sourceRecords: Int
    public var sinkRecords: Int
    public var rejectedRecords: Int
    public var deadLetterPath: String
    public var seconds: Double
    public var stoppedOnRequest: Bool
    public var savepointDirectory: String?
    public var savepointDurationMs: Double
    public var checkpointsCompleted: Int
    public var lastCheckpointID: Int64
    public var checkpointsFailed: Int
    public var startFailed: Bool

    public init(_ result: JobResult) {
        switch result.failure {
        case nil: ending = .succeeded
        case .cancelled?: ending = .cancelled
        case .restore?: ending = .restoreFailed
        default: ending = .failed
        }
        failure = result.failure?.description
        sourceRecords = result.sourceRecords
        sinkRecords = result.sinkRecords
        rejectedRecords = result.rejectedRecords
        deadLetterPath = result.deadLetterPath
        seconds = result.seconds
        stoppedOnRequest = result.stoppedOnRequest
        savepointDirectory = result.savepointDirectory
        savepointDurationMs = result.savepointDurationMs
        checkpointsCompleted = result.checkpointsCompleted
        lastCheckpointID = result.lastCheckpointID
        checkpointsFailed = result.checkpointsFailed
        startFailed = result.startFailed
    }

    /// The attempt's result as the supervisor's runner sees it.
    public var jobResult: JobResult {
        let message = failure ?? "the worker reported a failure without a message"
        let jobFailure: JobFailure?
        switch ending {
        case .succeeded: jobFailure = nil
        case .failed: jobFailure = .worker(message)
        case .cancelled: jobFailure = .cancelled(message)
        case .restoreFailed: jobFailure = .restore(message)
        }
        var result = JobResult(failure: jobFailure, sourceRecords: sourceRecords, sinkRecords: sinkRecords,
                               rejectedRecords: rejectedRecords, deadLetterPath: deadLetterPath, seconds: seconds,
                               stoppedOnRequest: stoppedOnRequest)
        result.savepointDirectory = savepointDirectory
        result.savepointDurationMs = savepointDurationMs
        result.checkpointsCompleted = checkpointsCompleted
        result.lastCheckpointID = lastCheckpointID
        result.checkpointsFailed = checkpointsFailed
        result.startFailed = startFailed
        return result
    }

    /// Writes the report to `path` (a temporary file renamed into place, so
    /// the supervisor never reads half of it).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) throws -> WorkerReport {
        try JSONDecoder().decode(WorkerReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
