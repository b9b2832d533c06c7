/// How a source step's records get watermarks (`watermarks:` in a job file).
public struct WatermarkSpec: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// No watermarks but the final one at the end of input.
        case none
        /// Timestamps never decrease: the watermark trails the largest by 1 ms.
        case ascending
        /// Records arrive at most `maxOutOfOrdernessMs` late: the watermark is
        /// the largest timestamp seen minus that bound, minus 1 ms.
        case boundedOutOfOrderness = "bounded_out_of_orderness"
        /// The source plugin emits watermarks itself (`emit_watermark`).
        case source
    }

    public var strategy: Strategy
    public var maxOutOfOrdernessMs: Int64
    /// A source instance that has emitted nothing for this long is marked
    /// idle and left out of downstream watermarks until it emits again.
    public var idleTimeoutMs: Int64?
    /// With event time on (any strategy but none), records stamped more
    /// than this far ahead of the host's clock are rejected to the
    /// dead-letter destination instead of dragging the watermark into the
    /// future (which would make every later record late). Negative
    /// timestamps (Kafka's -1 is "no timestamp") are rejected as well.
    public var maxFutureMs: Int64

    /// An expression over the record's value (docs/EXPRESSIONS.md) whose
    /// result, ms since 1970, becomes the record's timestamp where the host
    /// takes the source's records, before the watermark sees it (Flink's
    /// WATERMARK on a computed column); nil: the timestamp the source gave.
    public var timestamp: String?

    public static let maxFutureMsDefault: Int64 = 86_400_000

    public init(
        strategy: Strategy = .none, maxOutOfOrdernessMs: Int64 = 0, idleTimeoutMs: Int64? = nil,
        maxFutureMs: Int64 = WatermarkSpec.maxFutureMsDefault, timestamp: String? = nil
    ) {
        self.strategy = strategy
        self.maxOutOfOrdernessMs = maxOutOfOrdernessMs
        self.idleTimeoutMs = idleTimeoutMs
        self.maxFutureMs = maxFutureMs
        self.timestamp = timestamp
    }

    public static let fields = ["strategy", "max_out_of_orderness_ms", "idle_timeout_ms", "max_future_ms", "timestamp"]
}

/// Where the job's keyed state lives (`state:` in a job file).
public struct StateSpec: Sendable, Equatable {
    public enum Backend: String, Sendable, CaseIterable {
        case memory
        case rocksdb
    }

    public var backend: Backend
    /// memory: the bound on all keyed state of the job, in bytes.
    public var memoryBytesMax: Int?
    /// rocksdb: the working directory (default: under the data directory,
    /// or a temporary one removed when the run ends).
    public var directory: String?

    public init(backend: Backend = .memory, memoryBytesMax: Int? = nil, directory: String? = nil) {
        self.backend = backend
        self.memoryBytesMax = memoryBytesMax
        self.directory = directory
    }

    public static let fields = ["backend", "memory_bytes_max", "directory"]
}
