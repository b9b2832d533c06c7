/// What one complete checkpoint or savepoint holds: per step and instance,
/// the operator blob and the keyed-state snapshot, with what is needed to
/// check them (sizes, CRC-32C) and to restore them elsewhere (plugin
/// versions, state versions, key-group ranges).
///
/// Written last, atomically: a checkpoint directory without a valid
/// manifest is not a checkpoint. Encoded as JSON
/// (`CheckpointManifest+JSON.swift`) inside a checksummed envelope
/// (`ManifestFile`).
public struct CheckpointManifest: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Periodic, for recovery; owned by the host, deleted by retention.
        case checkpoint
        /// Taken on request, in the canonical format; kept until deleted.
        case savepoint
    }

    /// The layout version of manifests this host writes.
    public static let formatVersionCurrent = 1

    public var formatVersion: Int
    public var kind: Kind
    public var jobName: String
    public var checkpointID: Int64
    /// Wall-clock time the checkpoint was triggered, ms since the epoch.
    public var triggeredAtMs: Int64
    /// The job's number of key groups; a restore needs the same.
    public var maxParallelism: Int
    /// The state backend that wrote the keyed state ("memory", "rocksdb").
    public var stateBackend: String
    public var steps: [StepSnapshot]

    public init(kind: Kind, jobName: String, checkpointID: Int64, triggeredAtMs: Int64, maxParallelism: Int,
                stateBackend: String, steps: [StepSnapshot]) {
        self.formatVersion = Self.formatVersionCurrent
        self.kind = kind
        self.jobName = jobName
        self.checkpointID = checkpointID
        self.triggeredAtMs = triggeredAtMs
        self.maxParallelism = maxParallelism
        self.stateBackend = stateBackend
        self.steps = steps
    }

    public func step(id: String) -> StepSnapshot? { steps.first { $0.stepID == id } }

    /// Every file the manifest names, relative to its directory.
    public var files: [SnapshotFile] {
        steps.flatMap { step in step.instances.flatMap { $0.files } }
    }
}

/// One step's state in a checkpoint, matched to a job's step by `stepID`.
public struct StepSnapshot: Sendable, Equatable {
    public var stepID: String
    public var componentName: String
    public var pluginName: String
    public var pluginVersion: String
    /// The file name of the build that wrote the state when it was a hot
    /// swap's private copy in the job's plugins directory
    /// (`DATA/plugins/JOB/`); nil for a build the user named. Swap hygiene
    /// keeps every build a retained manifest names (`SwapBuilds`).
    public var pluginBuild: String?
    /// The component's state_version when the state was written.
    public var stateVersion: UInt32
    public var parallelism: Int
    public var instances: [InstanceSnapshot]

    public init(stepID: String, componentName: String, pluginName: String, pluginVersion: String,
                pluginBuild: String? = nil, stateVersion: UInt32, parallelism: Int, instances: [InstanceSnapshot]) {
        self.stepID = stepID
        self.componentName = componentName
        self.pluginName = pluginName
        self.pluginVersion = pluginVersion
        self.pluginBuild = pluginBuild
        self.stateVersion = stateVersion
        self.parallelism = parallelism
        self.instances = instances
    }

    /// Whether any instance wrote an operator blob or keyed state.
    public var hasState: Bool { instances.contains { $0.blob != nil || !$0.keyedStateFiles.isEmpty } }
}

/// One instance's state: its operator blob and its keyed state.
public struct InstanceSnapshot: Sendable, Equatable {
    public var instance: Int
    public var keyGroupFirst: Int
    public var keyGroupLast: Int
    /// The operator blob (`snapshot` callback), if the instance wrote one.
    public var blob: SnapshotFile?
    /// The keyed state, as the state backend described it (JSON of its
    /// snapshot handle); nil when the instance kept no keyed state.
    public var keyedState: String?
    /// The files of the keyed state, for checking and cleaning up.
    public var keyedStateFiles: [SnapshotFile]

    public init(instance: Int, keyGroups: ClosedRange<Int>, blob: SnapshotFile?, keyedState: String?,
                keyedStateFiles: [SnapshotFile]) {
        self.instance = instance
        self.keyGroupFirst = keyGroups.lowerBound
        self.keyGroupLast = keyGroups.upperBound
        self.blob = blob
        self.keyedState = keyedState
        self.keyedStateFiles = keyedStateFiles
    }

    public var keyGroups: ClosedRange<Int> { keyGroupFirst...keyGroupLast }
    public var files: [SnapshotFile] { (blob.map { [$0] } ?? []) + keyedStateFiles }
}

/// A file of a checkpoint, relative to the checkpoint's directory.
public struct SnapshotFile: Sendable, Hashable {
    public var path: String
    public var bytes: Int
    public var crc32c: UInt32

    public init(path: String, bytes: Int, crc32c: UInt32) {
        self.path = path
        self.bytes = bytes
        self.crc32c = crc32c
    }
}
