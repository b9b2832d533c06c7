import Core
import DurableFiles
import Foundation
import PluginHost

/// What a worker process (`isolation: process`) tells its supervisor about
/// the attempt it ran: the attempt's result, written as JSON to the file
/// the supervisor named. A worker that dies before writing it failed.
public struct WorkerReport: Sendable, Equatable {
    /// How the attempt ended, so that the supervisor applies the same rules
    /// as to an attempt in its own process (a cancelled run or a failed
    /// restore is not restarted).
    public enum Ending: String, Sendable {
        case succeeded, failed, cancelled, restoreFailed
    }

    public var ending: Ending
    public var failure: String?
    /// The step instance that raised `failure`, when one did.
    public var failureStep: String?
    public var failureInstance: Int?
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
    /// What each step did in the attempt (StepSummary in a form JSON keeps).
    public var steps: [Step]

    /// One step's counts: `StepSummary` with its kind spelt out.
    public struct Step: Sendable, Equatable {
        public var stepID: String
        /// "source", "operator" or "sink" with `name`; nil for key_by.
        public var componentKind: String?
        /// The component's name, or key_by's field.
        public var name: String
        public var recordsIn: Int
        public var recordsOut: Int
        public var rejected: Int
        public var counterNames: [String]
        public var counterValues: [Int64]

        init(_ step: StepSummary) {
            stepID = step.stepID
            switch step.kind {
            case .component(let kind, let name):
                componentKind = kind.rawValue
                self.name = name
            case .keyBy(let field):
                componentKind = nil
                name = field
            }
            recordsIn = step.recordsIn
            recordsOut = step.recordsOut
            rejected = step.rejected
            counterNames = step.counters.map(\.name)
            counterValues = step.counters.map(\.value)
        }

        /// The summary back; nil when the kind is one this build does not know.
        var summary: StepSummary? {
            let kind: StepSpec.Kind
            if let componentKind {
                guard let component = ComponentKind(rawValue: componentKind) else { return nil }
                kind = .component(component, name: name)
            } else {
                kind = .keyBy(field: name)
            }
            var step = StepSummary(stepID: stepID, kind: kind)
            step.recordsIn = recordsIn
            step.recordsOut = recordsOut
            step.rejected = rejected
            step.counters = zip(counterNames, counterValues).map { StepSummary.Counter(name: $0, value: $1) }
            return step
        }
    }

    public init(_ result: JobResult) {
        switch result.failure {
        case nil: ending = .succeeded
        case .cancelled?: ending = .cancelled
        case .restore?: ending = .restoreFailed
        default: ending = .failed
        }
        failure = result.failure?.description
        failureStep = result.failurePlace?.stepID
        failureInstance = result.failurePlace?.instance
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
        steps = result.steps.map(Step.init)
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
        result.steps = steps.compactMap(\.summary)
        if let failureStep, let failureInstance {
            result.failurePlace = FailurePlace(stepID: failureStep, instance: failureInstance)
        }
        return result
    }

    /// Writes the report to `path` as JSON through the durable-file layer
    /// (a temporary file renamed into place, so the supervisor never reads
    /// half of it, and fsynced: the restart decision survives a crash).
    public func write(to path: String) throws {
        try ActiveFileSystem.current.writeAtomically(json.serializedBytes(), to: path)
    }

    public static func read(from path: String) throws -> WorkerReport {
        try WorkerReport(json: JSONFields(parsing: Array(Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// The report as JSON, keys named after the properties.
    var json: JSONValue {
        var object = JSONObject()
        object["checkpointsCompleted"] = .int(Int64(checkpointsCompleted))
        object["checkpointsFailed"] = .int(Int64(checkpointsFailed))
        object["deadLetterPath"] = .string(deadLetterPath)
        object["ending"] = .string(ending.rawValue)
        object["failure"] = failure.map { .string($0) }
        object["failureInstance"] = failureInstance.map { .int(Int64($0)) }
        object["failureStep"] = failureStep.map { .string($0) }
        object["lastCheckpointID"] = .int(lastCheckpointID)
        object["rejectedRecords"] = .int(Int64(rejectedRecords))
        object["savepointDirectory"] = savepointDirectory.map { .string($0) }
        object["savepointDurationMs"] = .double(savepointDurationMs)
        object["seconds"] = .double(seconds)
        object["sinkRecords"] = .int(Int64(sinkRecords))
        object["sourceRecords"] = .int(Int64(sourceRecords))
        object["startFailed"] = .bool(startFailed)
        object["steps"] = .array(steps.map(\.json))
        object["stoppedOnRequest"] = .bool(stoppedOnRequest)
        return .object(object)
    }

    init(json fields: JSONFields) throws(JSONFieldError) {
        ending = try fields.read("ending")
        failure = try fields.readIfPresent("failure")
        failureStep = try fields.readIfPresent("failureStep")
        failureInstance = try fields.readIfPresent("failureInstance")
        sourceRecords = try fields.read("sourceRecords")
        sinkRecords = try fields.read("sinkRecords")
        rejectedRecords = try fields.read("rejectedRecords")
        deadLetterPath = try fields.read("deadLetterPath")
        seconds = try fields.read("seconds")
        stoppedOnRequest = try fields.read("stoppedOnRequest")
        savepointDirectory = try fields.readIfPresent("savepointDirectory")
        savepointDurationMs = try fields.read("savepointDurationMs")
        checkpointsCompleted = try fields.read("checkpointsCompleted")
        lastCheckpointID = try fields.read("lastCheckpointID")
        checkpointsFailed = try fields.read("checkpointsFailed")
        startFailed = try fields.read("startFailed")
        steps = try fields.objects("steps").map { (step) throws(JSONFieldError) in try Step(json: step) }
    }
}

extension WorkerReport.Step {
    var json: JSONValue {
        var object = JSONObject()
        object["componentKind"] = componentKind.map { .string($0) }
        object["counterNames"] = .array(counterNames.map { .string($0) })
        object["counterValues"] = .array(counterValues.map { .int($0) })
        object["name"] = .string(name)
        object["recordsIn"] = .int(Int64(recordsIn))
        object["recordsOut"] = .int(Int64(recordsOut))
        object["rejected"] = .int(Int64(rejected))
        object["stepID"] = .string(stepID)
        return .object(object)
    }

    init(json fields: JSONFields) throws(JSONFieldError) {
        stepID = try fields.read("stepID")
        componentKind = try fields.readIfPresent("componentKind")
        name = try fields.read("name")
        recordsIn = try fields.read("recordsIn")
        recordsOut = try fields.read("recordsOut")
        rejected = try fields.read("rejected")
        counterNames = try fields.read("counterNames")
        counterValues = try fields.read("counterValues")
        guard counterNames.count == counterValues.count else {
            throw JSONFieldError(path: "\(fields.path).counterValues",
                                 problem: "has \(counterValues.count) values for \(counterNames.count) names")
        }
    }
}
