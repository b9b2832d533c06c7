/// The catalog: every metric streamhost exports (docs/METRICS.md is its
/// reference, kept equal by `MetricCatalogTests`).
public enum StreamhostMetrics {
    static let task = ["job", "step", "instance"]

    // MARK: Tasks (one series per step and parallel instance)

    public static let recordsIn = MetricDefinition(
        "streamhost_task_num_records_in_total", .counter, labels: task,
        help: "Records the step instance received (a source: records its plugin emitted).")
    public static let recordsOut = MetricDefinition(
        "streamhost_task_num_records_out_total", .counter, labels: task,
        help: "Records the step instance emitted on its main output.")
    public static let recordsInPerSecond = MetricDefinition(
        "streamhost_task_num_records_in_per_second", .gauge, labels: task,
        help: "Records in per second over the last publish interval.")
    public static let recordsOutPerSecond = MetricDefinition(
        "streamhost_task_num_records_out_per_second", .gauge, labels: task,
        help: "Records out per second over the last publish interval.")
    public static let inputWatermark = MetricDefinition(
        "streamhost_task_current_input_watermark_ms", .gauge, labels: task,
        help: "The watermark the step instance last received (ms since the epoch); 0 before the first.")
    public static let outputWatermark = MetricDefinition(
        "streamhost_task_current_output_watermark_ms", .gauge, labels: task,
        help: "The watermark the step instance last passed on (ms since the epoch); 0 before the first.")
    public static let watermarkLag = MetricDefinition(
        "streamhost_task_watermark_lag_ms", .gauge, labels: task,
        help: "Wall-clock time minus the output watermark, in ms, at the last publish.")
    public static let busyTime = MetricDefinition(
        "streamhost_task_busy_time_ms_per_second", .gauge, labels: task,
        help: "Milliseconds per second the task spent running (chained steps share their task's figure).")
    public static let idleTime = MetricDefinition(
        "streamhost_task_idle_time_ms_per_second", .gauge, labels: task,
        help: "Milliseconds per second the task was neither running nor back-pressured.")
    public static let backPressuredTime = MetricDefinition(
        "streamhost_task_back_pressured_time_ms_per_second", .gauge, labels: task,
        help: "Milliseconds per second the task waited for space in a full output channel.")
    public static let inputChannelFill = MetricDefinition(
        "streamhost_task_input_channel_fill_ratio", .gauge, labels: task,
        help: "Batches queued in the task's input channels over their capacity, 0 to 1 (Flink's inPoolUsage).")
    public static let deadLettered = MetricDefinition(
        "streamhost_task_dead_lettered_records_total", .counter, labels: ["job", "step", "reason"],
        help: "Records the step sent to the dead letters, by reason class (plugin, timestamp, key, conversion).")
    public static let pluginCounter = MetricDefinition(
        "streamhost_task_plugin_counter_total", .counter, labels: ["job", "step", "instance", "counter"],
        help: "A counter the step's plugin keeps with counter_register and counter_add.")
    public static let keyedStateEntries = MetricDefinition(
        "streamhost_task_keyed_state_entries", .gauge, labels: ["job", "step", "instance", "backend"],
        help: "Keyed state entries the step instance holds, as its backend estimates them (RocksDB: estimate-num-keys).")
    public static let keyedStateSize = MetricDefinition(
        "streamhost_task_keyed_state_size_bytes", .gauge, labels: ["job", "step", "instance", "backend"],
        help: "Bytes of keyed state the step instance holds (memory: reserved bytes; RocksDB: live data and memtables).")
    public static let sinkEventTimeLatency = MetricDefinition(
        "streamhost_sink_event_time_latency_ms", .histogram, labels: ["job", "step"],
        help: "Latency tracking: processing time at the sink minus the record's event time, in ms (sampled).")

    // MARK: Jobs

    public static let checkpointsCompleted = MetricDefinition(
        "streamhost_job_num_completed_checkpoints_total", .counter, labels: ["job"],
        help: "Checkpoints and savepoints completed.")
    public static let checkpointsFailed = MetricDefinition(
        "streamhost_job_num_failed_checkpoints_total", .counter, labels: ["job"],
        help: "Checkpoints and savepoints that failed (a write error, a timeout).")
    public static let checkpointsAborted = MetricDefinition(
        "streamhost_job_num_aborted_checkpoints_total", .counter, labels: ["job"],
        help: "Checkpoints in flight when their attempt ended (a failure, a cancel), never completed nor failed.")
    public static let lastCheckpointDuration = MetricDefinition(
        "streamhost_job_last_checkpoint_duration_ms", .gauge, labels: ["job"],
        help: "From the barrier's injection to the manifest written, for the last completed checkpoint.")
    public static let lastCheckpointSize = MetricDefinition(
        "streamhost_job_last_checkpoint_size_bytes", .gauge, labels: ["job"],
        help: "Bytes of state files the last completed checkpoint wrote.")
    public static let lastCheckpointAlignment = MetricDefinition(
        "streamhost_job_last_checkpoint_alignment_time_ms", .gauge, labels: ["job"],
        help: "The longest barrier alignment of any task in the last completed checkpoint.")
    public static let restarts = MetricDefinition(
        "streamhost_job_num_restarts_total", .counter, labels: ["job"],
        help: "Restarts after a failed attempt, per the job's restart strategy.")

    // MARK: The log

    public static let logBytesIn = MetricDefinition(
        "streamhost_log_bytes_in_total", .counter, labels: ["topic"],
        help: "Record-batch bytes appended to the topic through the Kafka protocol.")
    public static let logRecordsIn = MetricDefinition(
        "streamhost_log_records_in_total", .counter, labels: ["topic"],
        help: "Records appended to the topic through the Kafka protocol.")
    public static let logBytesOut = MetricDefinition(
        "streamhost_log_bytes_out_total", .counter, labels: ["topic"],
        help: "Record-batch bytes fetched from the topic through the Kafka protocol.")
    public static let logRecordsOut = MetricDefinition(
        "streamhost_log_records_out_total", .counter, labels: ["topic"],
        help: "Records fetched from the topic through the Kafka protocol (counted per batch header).")
    public static let partitionSize = MetricDefinition(
        "streamhost_log_partition_size_bytes", .gauge, labels: ["topic", "partition"],
        help: "Bytes of the partition's segment files.")
    public static let partitionEndOffset = MetricDefinition(
        "streamhost_log_partition_end_offset", .gauge, labels: ["topic", "partition"],
        help: "The partition's log end offset (the next offset to be written).")
    public static let partitionStartOffset = MetricDefinition(
        "streamhost_log_partition_start_offset", .gauge, labels: ["topic", "partition"],
        help: "The partition's log start offset (the first offset still kept).")
    public static let groupRecordsLag = MetricDefinition(
        "streamhost_group_records_lag", .gauge, labels: ["group", "topic", "partition"],
        help: "Log end offset minus the group's committed offset for the partition (Kafka's records-lag).")
    public static let groupRecordsLagMax = MetricDefinition(
        "streamhost_group_records_lag_max", .gauge, labels: ["group"],
        help: "The largest records-lag over the group's partitions (Kafka's records-lag-max).")

    // MARK: The broker (`streamhost serve`)

    public static let requests = MetricDefinition(
        "streamhost_broker_requests_total", .counter, labels: ["api"],
        help: "Kafka requests answered, by API (Produce, Fetch, ...); rate() gives requests per second.")
    public static let requestLatency = MetricDefinition(
        "streamhost_broker_request_latency_seconds", .histogram, labels: ["api"],
        help: "Time from a request's decoding to its response, by API (a fetch includes its wait for data).")
    public static let connections = MetricDefinition(
        "streamhost_broker_connections", .gauge, labels: [],
        help: "Kafka connections open now.")
    public static let connectionsAccepted = MetricDefinition(
        "streamhost_broker_connections_accepted_total", .counter, labels: [],
        help: "Kafka connections accepted since the server started.")

    /// Every metric, in the order docs/METRICS.md lists them.
    public static let all: [MetricDefinition] = [
        recordsIn, recordsOut, recordsInPerSecond, recordsOutPerSecond, inputWatermark, outputWatermark,
        watermarkLag, busyTime, idleTime, backPressuredTime, inputChannelFill, deadLettered, pluginCounter,
        keyedStateEntries, keyedStateSize, sinkEventTimeLatency,
        checkpointsCompleted, checkpointsFailed, checkpointsAborted, lastCheckpointDuration, lastCheckpointSize,
        lastCheckpointAlignment, restarts,
        logBytesIn, logRecordsIn, logBytesOut, logRecordsOut, partitionSize, partitionEndOffset,
        partitionStartOffset, groupRecordsLag, groupRecordsLagMax,
        requests, requestLatency, connections, connectionsAccepted,
    ]

    /// The `reason` label values of `deadLettered` (PluginHost's
    /// `RejectedRecord.ReasonClass`; a test keeps the two equal). Every
    /// step gets all of them at 0, so `rate()` has a series before the
    /// first rejection.
    public static let deadLetterReasons = ["plugin", "timestamp", "key", "conversion"]

    /// Buckets of the event-time latency histogram, in ms: 1 ms to 10 min.
    public static let latencyBucketsMs: [Double] = [
        1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    ]
    /// Buckets of the broker's request latency, in seconds.
    public static let requestLatencyBucketsSeconds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
}
