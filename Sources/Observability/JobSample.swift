/// What a running attempt of a job measured so far: the runtime's reading,
/// handed to `JobMetrics.publish` once per publish interval. Counts are
/// totals since the attempt started; `JobMetrics` turns them into
/// monotonic counters across attempts and into per-second rates.
public struct JobSample: Sendable {
    /// One step instance (a chained step shares its task's times and
    /// channel fill with the other steps of the chain).
    public struct Task: Sendable {
        public var step: String
        public var instance: Int
        public var recordsIn = 0
        public var recordsOut = 0
        /// nil before the first watermark (and for a source's input).
        public var inputWatermarkMs: Int64?
        public var outputWatermarkMs: Int64?
        /// Nanoseconds the task ran, and waited on a full output channel,
        /// since the attempt started.
        public var busyNanoseconds: UInt64 = 0
        public var backPressuredNanoseconds: UInt64 = 0
        /// Batches queued in its input channels, and their capacity.
        public var inputQueued = 0
        public var inputCapacity = 0
        /// The plugin's counters, in registration order.
        public var counters: [(name: String, value: Int64)] = []
        /// The instance's keyed state store (nil before its first state
        /// call, and for steps without keyed state): entries and bytes,
        /// as its backend estimates them.
        public var keyedStateEntries: Int?
        public var keyedStateBytes: Int?

        public init(step: String, instance: Int) {
            self.step = step
            self.instance = instance
        }
    }

    public struct DeadLetters: Sendable, Equatable {
        public var step: String
        public var reason: String
        public var count: Int

        public init(step: String, reason: String, count: Int) {
            self.step = step
            self.reason = reason
            self.count = count
        }
    }

    public struct Checkpoints: Sendable, Equatable {
        public var completed = 0
        public var failed = 0
        public var aborted = 0
        /// The last completed checkpoint's figures; nil before one.
        public var lastDurationMs: Double?
        public var lastSizeBytes: Int?
        public var lastAlignmentMs: Double?
        /// The last completed checkpoint's (or savepoint's) id; nil before one.
        public var lastID: Int64?

        public init() {}
    }

    /// Tells attempts apart: a new value starts every count at 0 again.
    public var attempt: Int
    /// A monotonic clock's reading (for rates) and the wall clock (for
    /// watermark lag), at the sample.
    public var monotonicNanoseconds: UInt64
    public var wallClockMs: Int64
    public var tasks: [Task] = []
    /// The job's state backend ("memory", "rocksdb"; "none" without one):
    /// the `backend` label of the keyed-state series.
    public var stateBackend = "none"
    public var deadLetters: [DeadLetters] = []
    public var checkpoints = Checkpoints()

    public init(attempt: Int, monotonicNanoseconds: UInt64, wallClockMs: Int64) {
        self.attempt = attempt
        self.monotonicNanoseconds = monotonicNanoseconds
        self.wallClockMs = wallClockMs
    }
}
