/// What one step instance's counts and times were at one moment: the
/// figures a rate is taken between (`TaskRates`).
public struct TaskReading: Sendable, Equatable {
    public var recordsIn: Int
    public var recordsOut: Int
    public var busyNanoseconds: UInt64
    public var backPressuredNanoseconds: UInt64
    /// The monotonic clock of the sample the figures came in.
    public var atNanoseconds: UInt64

    public init(recordsIn: Int, recordsOut: Int, busyNanoseconds: UInt64, backPressuredNanoseconds: UInt64,
                atNanoseconds: UInt64) {
        self.recordsIn = recordsIn
        self.recordsOut = recordsOut
        self.busyNanoseconds = busyNanoseconds
        self.backPressuredNanoseconds = backPressuredNanoseconds
        self.atNanoseconds = atNanoseconds
    }

    public init(_ task: JobSample.Task, at nanoseconds: UInt64) {
        self.init(recordsIn: task.recordsIn, recordsOut: task.recordsOut, busyNanoseconds: task.busyNanoseconds,
                  backPressuredNanoseconds: task.backPressuredNanoseconds, atNanoseconds: nanoseconds)
    }
}

/// Records per second and Flink's busy / back-pressured / idle time in ms
/// per second, between two readings of one attempt: the one computation
/// behind the Prometheus gauges (`JobMetrics`) and the server's live view
/// of a served job.
public struct TaskRates: Sendable, Equatable {
    public var recordsInPerSecond: Double
    public var recordsOutPerSecond: Double
    /// Busy + back-pressured + idle = 1000: busy is capped at 1000 and
    /// back-pressured at what busy leaves (clock readings of a task's runs
    /// and of the sample are not taken at the same instant).
    public var busyMsPerSecond: Double
    public var backPressuredMsPerSecond: Double
    public var idleMsPerSecond: Double

    /// The rates from `before` to `after`; nil when no time passed between
    /// them (the same sample read twice).
    public init?(from before: TaskReading, to after: TaskReading) {
        guard after.atNanoseconds > before.atNanoseconds else { return nil }
        let seconds = Double(after.atNanoseconds - before.atNanoseconds) / 1e9
        recordsInPerSecond = Double(max(0, after.recordsIn - before.recordsIn)) / seconds
        recordsOutPerSecond = Double(max(0, after.recordsOut - before.recordsOut)) / seconds
        let busyMs = Double(after.busyNanoseconds &- before.busyNanoseconds) / 1e6 / seconds
        let backPressuredMs = Double(after.backPressuredNanoseconds &- before.backPressuredNanoseconds) / 1e6 / seconds
        busyMsPerSecond = min(1000, max(0, busyMs))
        backPressuredMsPerSecond = min(1000 - busyMsPerSecond, max(0, backPressuredMs))
        idleMsPerSecond = 1000 - busyMsPerSecond - backPressuredMsPerSecond
    }

    /// Wall-clock time minus an output watermark, in ms; nil before the
    /// first watermark and at the end of event time (INT64_MAX), which has
    /// no meaningful lag.
    public static func watermarkLagMs(outputWatermarkMs mark: Int64?, wallClockMs: Int64) -> Double? {
        guard let mark, mark < Int64.max / 2 else { return nil }
        return Double(wallClockMs - mark)
    }
}
