import StreamhostABI

/// Where an instance runs, given to `open(context:info:)`.
///
/// # Ownership
/// A copy of the host's `sh_task_info`: the strings are Swift strings and
/// may be kept.
public struct TaskInfo: Sendable, Equatable {
    /// This instance, 0 ..< parallelism.
    public var instance: Int
    /// Instances of the step.
    public var parallelism: Int
    /// Key groups of the job.
    public var maxParallelism: Int
    /// This instance's key groups.
    public var keyGroups: ClosedRange<Int>
    /// Inputs of the step (0 for sources).
    public var inputCount: Int
    /// The job's name.
    public var jobName: String
    /// The step's id.
    public var stepID: String
    /// The job's checkpoint interval; 0 when it takes no checkpoints (then
    /// the checkpoint callbacks are never called). Added in ABI 1.2.
    public var checkpointIntervalMs: Int64

    public init(
        instance: Int, parallelism: Int, maxParallelism: Int, keyGroups: ClosedRange<Int>, inputCount: Int,
        jobName: String, stepID: String, checkpointIntervalMs: Int64 = 0
    ) {
        self.instance = instance
        self.parallelism = parallelism
        self.maxParallelism = maxParallelism
        self.keyGroups = keyGroups
        self.inputCount = inputCount
        self.jobName = jobName
        self.stepID = stepID
        self.checkpointIntervalMs = checkpointIntervalMs
    }

    /// Copies the host's task info. Members past its `struct_size` are
    /// absent (rule 4 of the header) and take neutral values.
    init(_ info: UnsafePointer<sh_task_info>) {
        let raw = info.pointee
        let size = Int(raw.struct_size)
        func has<T>(_ member: KeyPath<sh_task_info, T>) -> Bool {
            guard let offset = MemoryLayout<sh_task_info>.offset(of: member) else { return false }
            return offset + MemoryLayout<T>.size <= size
        }
        let first = has(\.key_group_first) ? Int(raw.key_group_first) : 0
        let last = has(\.key_group_last) ? Int(raw.key_group_last) : first
        self.init(
            instance: has(\.instance) ? Int(raw.instance) : 0,
            parallelism: has(\.parallelism) ? max(1, Int(raw.parallelism)) : 1,
            maxParallelism: has(\.max_parallelism) ? Int(raw.max_parallelism) : 0,
            keyGroups: first...max(first, last),
            inputCount: has(\.input_count) ? Int(raw.input_count) : 0,
            jobName: has(\.job_name) ? raw.job_name.map { String(cString: $0) } ?? "" : "",
            stepID: has(\.step_id) ? raw.step_id.map { String(cString: $0) } ?? "" : "",
            checkpointIntervalMs: has(\.checkpoint_interval_ms) ? raw.checkpoint_interval_ms : 0)
    }
}
