import Core
import Observability

/// A running step's live figures in `GET /v1/jobs/ID` (`JobDescription.Step.live`):
/// its instances' latest sample from the worker, with rates over the last
/// interval the server saw. Counts are the running attempt's (from 0 at
/// each restart).
public struct StepLive: Sendable, Equatable {
    /// When the worker took the sample (ms since the epoch).
    public var sampledAtMs: Int64
    /// Summed over the instances.
    public var recordsIn: Int
    public var recordsOut: Int
    /// Summed over the instances; nil until the server saw two samples of
    /// the attempt.
    public var recordsInPerSecond: Double?
    public var recordsOutPerSecond: Double?
    /// The busiest instance's figures, as Flink's graph colours a vertex
    /// (chained steps share their task's times).
    public var busyMsPerSecond: Double?
    public var backPressuredMsPerSecond: Double?
    public var idleMsPerSecond: Double?
    /// The lowest over the instances (nil before any watermark).
    public var inputWatermarkMs: Int64?
    public var outputWatermarkMs: Int64?
    /// The largest over the instances: wall clock − output watermark.
    public var watermarkLagMs: Double?
    public var instances: [InstanceLive]

    public init(sampledAtMs: Int64, instances: [InstanceLive]) {
        self.sampledAtMs = sampledAtMs
        self.instances = instances
        recordsIn = instances.reduce(0) { $0 + $1.recordsIn }
        recordsOut = instances.reduce(0) { $0 + $1.recordsOut }
        let rated = instances.filter { $0.recordsInPerSecond != nil }
        if !rated.isEmpty {
            recordsInPerSecond = rated.reduce(0) { $0 + ($1.recordsInPerSecond ?? 0) }
            recordsOutPerSecond = rated.reduce(0) { $0 + ($1.recordsOutPerSecond ?? 0) }
            let busiest = rated.max { ($0.busyMsPerSecond ?? 0) + ($0.backPressuredMsPerSecond ?? 0)
                < ($1.busyMsPerSecond ?? 0) + ($1.backPressuredMsPerSecond ?? 0) }
            busyMsPerSecond = busiest?.busyMsPerSecond
            backPressuredMsPerSecond = busiest?.backPressuredMsPerSecond
            idleMsPerSecond = busiest?.idleMsPerSecond
        }
        inputWatermarkMs = instances.compactMap(\.inputWatermarkMs).min()
        outputWatermarkMs = instances.compactMap(\.outputWatermarkMs).min()
        watermarkLagMs = instances.compactMap(\.watermarkLagMs).max()
    }
}

/// One step instance's live figures.
public struct InstanceLive: Sendable, Equatable {
    public var instance: Int
    public var recordsIn: Int
    public var recordsOut: Int
    public var recordsInPerSecond: Double?
    public var recordsOutPerSecond: Double?
    public var busyMsPerSecond: Double?
    public var backPressuredMsPerSecond: Double?
    public var idleMsPerSecond: Double?
    public var inputWatermarkMs: Int64?
    public var outputWatermarkMs: Int64?
    public var watermarkLagMs: Double?
    /// Batches queued in the task's input channels over their capacity.
    public var inputChannelFill: Double

    public init(instance: Int, recordsIn: Int, recordsOut: Int, rates: TaskRates?, inputWatermarkMs: Int64?,
                outputWatermarkMs: Int64?, watermarkLagMs: Double?, inputChannelFill: Double) {
        self.instance = instance
        self.recordsIn = recordsIn
        self.recordsOut = recordsOut
        recordsInPerSecond = rates?.recordsInPerSecond
        recordsOutPerSecond = rates?.recordsOutPerSecond
        busyMsPerSecond = rates?.busyMsPerSecond
        backPressuredMsPerSecond = rates?.backPressuredMsPerSecond
        idleMsPerSecond = rates?.idleMsPerSecond
        self.inputWatermarkMs = inputWatermarkMs
        self.outputWatermarkMs = outputWatermarkMs
        self.watermarkLagMs = watermarkLagMs
        self.inputChannelFill = inputChannelFill
    }
}

/// The running attempt's checkpoint figures in `GET /v1/jobs/ID`
/// (`JobDescription.liveCheckpoints`), from the worker's latest sample.
public struct CheckpointsLive: Sendable, Equatable {
    public var sampledAtMs: Int64
    public var completed: Int
    public var failed: Int
    public var aborted: Int
    public var lastID: Int64?
    public var lastDurationMs: Double?
    public var lastSizeBytes: Int?
    public var lastAlignmentMs: Double?

    public init(sampledAtMs: Int64, completed: Int, failed: Int, aborted: Int, lastID: Int64?, lastDurationMs: Double?,
                lastSizeBytes: Int?, lastAlignmentMs: Double?) {
        self.sampledAtMs = sampledAtMs
        self.completed = completed
        self.failed = failed
        self.aborted = aborted
        self.lastID = lastID
        self.lastDurationMs = lastDurationMs
        self.lastSizeBytes = lastSizeBytes
        self.lastAlignmentMs = lastAlignmentMs
    }
}

// Core's JSON of the live views (the host's one JSON stack, docs/ARCHITECTURE.md
// "JSON"): keys sorted, absent optionals left out, as the API's other bodies.

extension StepLive {
    public var json: JSONValue {
        var object = JSONObject()
        object["backPressuredMsPerSecond"] = backPressuredMsPerSecond.map(JSONValue.double)
        object["busyMsPerSecond"] = busyMsPerSecond.map(JSONValue.double)
        object["idleMsPerSecond"] = idleMsPerSecond.map(JSONValue.double)
        object["inputWatermarkMs"] = inputWatermarkMs.map(JSONValue.int)
        object["instances"] = .array(instances.map(\.json))
        object["outputWatermarkMs"] = outputWatermarkMs.map(JSONValue.int)
        object["recordsIn"] = .int(Int64(recordsIn))
        object["recordsInPerSecond"] = recordsInPerSecond.map(JSONValue.double)
        object["recordsOut"] = .int(Int64(recordsOut))
        object["recordsOutPerSecond"] = recordsOutPerSecond.map(JSONValue.double)
        object["sampledAtMs"] = .int(sampledAtMs)
        object["watermarkLagMs"] = watermarkLagMs.map(JSONValue.double)
        return .object(object)
    }

    /// Reads the instances; the step's figures are theirs again.
    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(sampledAtMs: try fields.read("sampledAtMs"),
                  instances: try fields.objects("instances").map { (instance) throws(JSONFieldError) in
                      try InstanceLive(json: instance)
                  })
    }
}

extension InstanceLive {
    public var json: JSONValue {
        var object = JSONObject()
        object["backPressuredMsPerSecond"] = backPressuredMsPerSecond.map(JSONValue.double)
        object["busyMsPerSecond"] = busyMsPerSecond.map(JSONValue.double)
        object["idleMsPerSecond"] = idleMsPerSecond.map(JSONValue.double)
        object["inputChannelFill"] = .double(inputChannelFill)
        object["inputWatermarkMs"] = inputWatermarkMs.map(JSONValue.int)
        object["instance"] = .int(Int64(instance))
        object["outputWatermarkMs"] = outputWatermarkMs.map(JSONValue.int)
        object["recordsIn"] = .int(Int64(recordsIn))
        object["recordsInPerSecond"] = recordsInPerSecond.map(JSONValue.double)
        object["recordsOut"] = .int(Int64(recordsOut))
        object["recordsOutPerSecond"] = recordsOutPerSecond.map(JSONValue.double)
        object["watermarkLagMs"] = watermarkLagMs.map(JSONValue.double)
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(instance: try fields.read("instance"), recordsIn: try fields.read("recordsIn"),
                  recordsOut: try fields.read("recordsOut"), rates: nil,
                  inputWatermarkMs: try fields.readIfPresent("inputWatermarkMs"),
                  outputWatermarkMs: try fields.readIfPresent("outputWatermarkMs"),
                  watermarkLagMs: try fields.readIfPresent("watermarkLagMs"),
                  inputChannelFill: try fields.read("inputChannelFill"))
        recordsInPerSecond = try fields.readIfPresent("recordsInPerSecond")
        recordsOutPerSecond = try fields.readIfPresent("recordsOutPerSecond")
        busyMsPerSecond = try fields.readIfPresent("busyMsPerSecond")
        backPressuredMsPerSecond = try fields.readIfPresent("backPressuredMsPerSecond")
        idleMsPerSecond = try fields.readIfPresent("idleMsPerSecond")
    }
}

extension CheckpointsLive {
    public var json: JSONValue {
        var object = JSONObject()
        object["aborted"] = .int(Int64(aborted))
        object["completed"] = .int(Int64(completed))
        object["failed"] = .int(Int64(failed))
        object["lastAlignmentMs"] = lastAlignmentMs.map(JSONValue.double)
        object["lastDurationMs"] = lastDurationMs.map(JSONValue.double)
        object["lastID"] = lastID.map(JSONValue.int)
        object["lastSizeBytes"] = lastSizeBytes.map { .int(Int64($0)) }
        object["sampledAtMs"] = .int(sampledAtMs)
        return .object(object)
    }

    public init(json fields: JSONFields) throws(JSONFieldError) {
        self.init(sampledAtMs: try fields.read("sampledAtMs"), completed: try fields.read("completed"),
                  failed: try fields.read("failed"), aborted: try fields.read("aborted"),
                  lastID: try fields.readIfPresent("lastID"), lastDurationMs: try fields.readIfPresent("lastDurationMs"),
                  lastSizeBytes: try fields.readIfPresent("lastSizeBytes"),
                  lastAlignmentMs: try fields.readIfPresent("lastAlignmentMs"))
    }
}
