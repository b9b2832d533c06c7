import Checkpoint
import Core
import Logging
import PluginHost
import State

/// A checkpoint or savepoint to start a run from.
public struct RestoreSource: Sendable {
    public var directory: String
    public var manifest: CheckpointManifest
    /// Start even though the checkpoint has state for steps the job lacks,
    /// or lacks steps the job has (`--allow-non-restored-state`).
    public var allowNonRestoredState: Bool

    public init(directory: String, manifest: CheckpointManifest, allowNonRestoredState: Bool = false) {
        self.directory = directory
        self.manifest = manifest
        self.allowNonRestoredState = allowNonRestoredState
    }

    /// Reads and checks (every file's size and checksum) the checkpoint or
    /// savepoint in `directory`.
    public static func load(directory: String, allowNonRestoredState: Bool = false) throws(JobFailure) -> RestoreSource {
        do {
            let manifest = try CheckpointStore.load(directory: directory, verifyFiles: true)
            return RestoreSource(directory: directory, manifest: manifest, allowNonRestoredState: allowNonRestoredState)
        } catch {
            throw .restore("cannot restore from \(directory): \(error)")
        }
    }
}

extension JobExecution {
    /// Puts the state of `source` into freshly created instances, before
    /// anything runs: checks that the checkpoint fits the job, migrates every
    /// operator blob whose component has a newer state_version (a refusal
    /// stops here, before any record moves), then hands each instance its
    /// blobs (its own at the same parallelism; every old instance's when the
    /// parallelism changed).
    static func restore(
        _ source: RestoreSource, plan: JobPlan, instances: [[ComponentInstance]], backend: (any StateBackend)?
    ) throws(JobFailure) {
        let manifest = source.manifest
        let logger = Logger(label: "streamhost.checkpoint")
        guard manifest.maxParallelism == plan.keyGroups.maxParallelism else {
            throw .restore("cannot restore \(source.directory): it was taken with max_parallelism "
                + "\(manifest.maxParallelism) and the job has \(plan.keyGroups.maxParallelism); the number of key "
                + "groups is fixed for a job's life")
        }
        let jobIDs = Set(plan.steps.map(\.id))
        let savedIDs = Set(manifest.steps.map(\.stepID))
        let unmatchedState = manifest.steps.filter { !jobIDs.contains($0.stepID) }.map(\.stepID).sorted()
        let unrestored = plan.steps.filter { !savedIDs.contains($0.id) }.map(\.id)
        if !(unmatchedState.isEmpty && unrestored.isEmpty) {
            var problems: [String] = []
            if !unmatchedState.isEmpty {
                problems.append("it has state for steps the job does not have: " + unmatchedState.joined(separator: ", "))
            }
            if !unrestored.isEmpty {
                problems.append("it has no state for the job's steps " + unrestored.joined(separator: ", "))
            }
            let message = "\(source.directory) does not match job '\(plan.spec.name)': " + problems.joined(separator: "; ")
            guard source.allowNonRestoredState else {
                throw .restore(message + " (steps are matched by id; pass --allow-non-restored-state to start anyway)")
            }
            logger.warning("\(message); starting anyway (--allow-non-restored-state)")
        }

        // Check and migrate everything first, so a refusal leaves nothing
        // half restored.
        var blobsByStep: [Int: [(instance: Int, bytes: [UInt8])]] = [:]
        for (stepIndex, step) in plan.steps.enumerated() {
            guard let saved = manifest.step(id: step.id) else { continue }
            let component = step.component
            guard saved.componentName == component.name else {
                throw .restore("cannot restore step '\(step.id)': its state was written by component "
                    + "'\(saved.componentName)' (plugin \(saved.pluginName) \(saved.pluginVersion)) and the job now runs "
                    + "'\(component.name)' (plugin \(component.pluginName) \(component.pluginVersion)) under that id")
            }
            guard saved.stateVersion <= component.stateVersion else {
                throw .restore("cannot restore step '\(step.id)': its state has state_version \(saved.stateVersion) "
                    + "(plugin \(saved.pluginName) \(saved.pluginVersion)), newer than the \(component.stateVersion) of "
                    + "plugin \(component.pluginName) \(component.pluginVersion) at \(component.pluginPath); "
                    + "restore with a build at least as new")
            }
            var blobs: [(Int, [UInt8])] = []
            for instance in saved.instances {
                guard let file = instance.blob else { continue }
                let path = source.directory + "/" + file.path
                var bytes: [UInt8]
                do {
                    bytes = try CheckpointStore.readVerified(path: path, file: file)
                } catch {
                    throw .restore("cannot restore step '\(step.id)': \(error)")
                }
                if saved.stateVersion < component.stateVersion {
                    let context = InstanceContext(
                        jobName: plan.spec.name, stepID: step.id, instance: instance.instance, kind: component.kind,
                        componentName: component.name, config: step.config, batchRecordsMax: plan.spec.batchRecordsMax)
                    do {
                        bytes = try component.migrate(
                            MigrationRequest(kind: .operatorBlob, fromVersion: saved.stateVersion,
                                             toVersion: component.stateVersion, stateName: nil,
                                             fromPluginVersion: saved.pluginVersion, key: nil, data: bytes),
                            context: context)
                    } catch {
                        throw .restore("restore stopped before any record moved: \(error)")
                    }
                }
                blobs.append((instance.instance, bytes))
            }
            blobsByStep[stepIndex] = blobs.map { (instance: $0.0, bytes: $0.1) }
        }

        for (stepIndex, step) in plan.steps.enumerated() {
            guard let saved = manifest.step(id: step.id) else { continue }
            let blobs = blobsByStep[stepIndex] ?? []
            for (index, stepInstance) in instances[stepIndex].enumerated() {
                let mine = saved.parallelism == step.parallelism ? blobs.filter { $0.instance == index } : blobs
                for blob in mine {
                    do {
                        try stepInstance.restore(stateVersion: step.component.stateVersion, blob: blob.bytes)
                    } catch {
                        throw .restore("restore stopped before any record moved: \(error)")
                    }
                }
            }
        }
    }

    /// Captures the keyed state of one instance at a barrier.
    func captureKeyedState(of instance: ComponentInstance, for barrier: CheckpointBarrier)
        throws(PluginCallError) -> (any KeyedStateCapture)?
    {
        nil
    }
}
