import Checkpoint
import Core
import Dispatch
import Foundation
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

    /// Reads and checks the checkpoint or savepoint in `directory`: its
    /// manifest, and with `verifyFiles` every file's size and checksum up
    /// front (the restore checks each file again as it reads it, so a
    /// savepoint this run has just written skips the first pass).
    public static func load(directory: String, allowNonRestoredState: Bool = false, verifyFiles: Bool = true)
        throws(JobFailure) -> RestoreSource
    {
        do {
            let manifest = try CheckpointStore.load(directory: directory, verifyFiles: verifyFiles)
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
        let blobsByStep = try checkAndMigrateBlobs(source, plan: plan)

        for (stepIndex, step) in plan.steps.enumerated() {
            guard let saved = manifest.step(id: step.id) else { continue }
            let stores = try restoreKeyedState(saved, source: source, step: step, plan: plan,
                                               contexts: instances[stepIndex].map(\.context), backend: backend)
            for (index, store) in stores { instances[stepIndex][index].context.installRestoredStore(store) }
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

    /// Asks the plan's components whether they accept the state of
    /// `source`, without creating an instance or touching the job: the
    /// same checks as a restore, and every migration a restore would call
    /// (operator blobs, and keyed state into a scratch in-memory backend
    /// that is dropped at once). A hot swap calls it on a savepoint taken
    /// while the job runs, so that a build that refuses the state is
    /// refused before the job stops. It reads the migrating steps' whole
    /// keyed state into memory once.
    public static func checkRestore(_ source: RestoreSource, plan: JobPlan) throws(JobFailure) {
        _ = try checkAndMigrateBlobs(source, plan: plan)
        let scratch = MemoryStateBackend()
        for step in plan.steps {
            guard let saved = source.manifest.step(id: step.id), saved.stateVersion < step.component.stateVersion else {
                continue
            }
            let contexts = (0..<step.parallelism).map { instance in
                InstanceContext(jobName: plan.spec.name, stepID: step.id, instance: instance, kind: step.component.kind,
                                componentName: step.component.name, config: step.config,
                                batchRecordsMax: plan.spec.batchRecordsMax)
            }
            let stores = try restoreKeyedState(saved, source: source, step: step, plan: plan, contexts: contexts,
                                               backend: scratch)
            for store in stores.values { store.close() }
        }
    }

    /// Checks that each saved step fits the component that now runs under
    /// its id (same component, state_version not newer), reads its
    /// operator blobs and migrates them when the component's state_version
    /// is newer; by step index.
    private static func checkAndMigrateBlobs(_ source: RestoreSource, plan: JobPlan) throws(JobFailure)
        -> [Int: [(instance: Int, bytes: [UInt8])]]
    {
        let manifest = source.manifest
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
                    + "restore with a build at least as new"
                    + (saved.pluginBuild.map { build in
                        " (the state was written by the swapped-in build plugins/\(plan.spec.name)/\(build) in the data "
                            + "directory: pass it with --plugin)"
                    } ?? ""))
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
        return blobsByStep
    }

    /// Captures the keyed state of one instance at a barrier: the backend's
    /// native form for checkpoints, the canonical one for savepoints. A
    /// failure fails the job (the checkpoint then never completes).
    func captureKeyedState(of instance: ComponentInstance, for barrier: CheckpointBarrier) -> KeyedStateCaptureOutcome {
        guard let store = instance.context.stateStore else { return .none }
        do {
            let writer = try store.captureSnapshot(barrier.kind == .savepoint ? .canonical : .native)
            return .captured(StoreSnapshotCapture(writer: writer))
        } catch {
            fail(.state("\(instance.context.label): capturing its keyed state for checkpoint \(barrier.id) failed: \(error)"))
            return .failed
        }
    }

    /// Where an instance's keyed state goes inside a checkpoint directory.
    static func keyedStatePrefix(stepID: String, instance: Int) -> String {
        "steps/\(CheckpointCoordinator.fileName(stepID))/\(instance)-state"
    }

    /// Makes the stores of a step's new instances from the saved instances'
    /// keyed state (each new instance reads the old ones whose key groups
    /// overlap its own), migrating every value when the component's
    /// state_version is newer; by instance (the caller installs or closes
    /// them).
    static func restoreKeyedState(
        _ saved: StepSnapshot, source: RestoreSource, step: PlannedStep, plan: JobPlan, contexts: [InstanceContext],
        backend: (any StateBackend)?
    ) throws(JobFailure) -> [Int: any KeyedStateStore] {
        var handles: [(InstanceSnapshot, StateSnapshotHandle)] = []
        for old in saved.instances {
            guard let text = old.keyedState else { continue }
            let handle: StateSnapshotHandle
            do {
                handle = try StateSnapshotHandle(jsonText: text)
            } catch {
                throw .restore("cannot restore step '\(step.id)': the keyed state of instance \(old.instance) in "
                    + "\(source.directory) is not described in a form this host reads: \(error)")
            }
            // The handle comes from disk: `keyGroups` would trap on a range
            // that is not one.
            guard handle.firstKeyGroup >= 0, handle.firstKeyGroup <= handle.lastKeyGroup,
                  handle.lastKeyGroup < plan.keyGroups.maxParallelism
            else {
                throw .restore("cannot restore step '\(step.id)': the keyed state of instance \(old.instance) in "
                    + "\(source.directory) names key groups \(handle.firstKeyGroup)...\(handle.lastKeyGroup), "
                    + "not a range inside 0..<\(plan.keyGroups.maxParallelism); the checkpoint is damaged")
            }
            handles.append((old, handle))
        }
        guard !handles.isEmpty else { return [:] }
        guard let backend else {
            throw .restore("cannot restore step '\(step.id)': it has keyed state and this run has no state backend")
        }
        let component = step.component
        let migrating = saved.stateVersion < component.stateVersion
        // Instances restore side by side: their stores are independent,
        // and migrate may be called concurrently (the header promises no
        // serialisation of it).
        let outcomes = RestoredStores()
        let savedHandles = handles
        DispatchQueue.concurrentPerform(iterations: contexts.count) { index in
            let keyGroups = plan.keyGroups.range(ofInstance: index, parallelism: step.parallelism)
            let sources = savedHandles.filter { $0.1.keyGroups.overlaps(keyGroups) }.map { old, handle in
                StateRestoreSource(
                    directory: source.directory + "/" + keyedStatePrefix(stepID: step.id, instance: old.instance),
                    handle: handle)
            }
            guard !sources.isEmpty else { return }
            var refusal: PluginCallError?
            let migrator = Migrator(component: component, fromVersion: saved.stateVersion,
                                    toVersion: component.stateVersion, fromPluginVersion: saved.pluginVersion,
                                    context: contexts[index])
            let transform: StateEntryTransform? = migrating ? { entry throws(StateError) in
                guard case .value(let state, let keyGroup, let key, let userKey, let value, let expiresAt) = entry else {
                    return entry
                }
                do throws(PluginCallError) {
                    let migrated = try migrator.migrate(userKey == nil ? .keyedValue : .mapEntry, stateName: state.name,
                                                        key: key, data: value)
                    return .value(state: state, keyGroup: keyGroup, key: key, userKey: userKey, value: migrated,
                                  expiresAt: expiresAt)
                } catch {
                    refusal = error
                    throw .storage("migration refused")
                }
            } : nil
            let outcome: Result<any KeyedStateStore, JobFailure>
            do {
                outcome = .success(try backend.makeStore(
                    stepID: step.id, instance: index, keyGroups: keyGroups, restoringFrom: sources, transform: transform))
            } catch {
                if let refusal {
                    outcome = .failure(.restore("restore stopped before any record moved: \(refusal)"))
                } else {
                    outcome = .failure(.restore("cannot restore the keyed state of step '\(step.id)' instance \(index): \(error)"))
                }
            }
            outcomes.set(index, outcome)
        }
        let results = outcomes.results
        if let failure = results.sorted(by: { $0.key < $1.key }).lazy.compactMap({ entry -> JobFailure? in
            if case .failure(let failure) = entry.value { return failure }
            return nil
        }).first {
            for case .success(let store) in results.values { store.close() }
            throw failure
        }
        var stores: [Int: any KeyedStateStore] = [:]
        for (index, outcome) in results {
            if case .success(let store) = outcome { stores[index] = store }
        }
        return stores
    }
}

/// What capturing an instance's keyed state at a barrier gave.
enum KeyedStateCaptureOutcome {
    /// The instance keeps no keyed state.
    case none
    case captured(any KeyedStateCapture)
    /// Capturing failed; the job is failing.
    case failed
}

/// A keyed-state snapshot captured from a store, written later into the
/// checkpoint directory by the coordinator's I/O thread.
struct StoreSnapshotCapture: KeyedStateCapture {
    let writer: any StateSnapshotWriter

    func write(directory: String, prefix: String) throws -> (handle: String, files: [SnapshotFile]) {
        let handle = try writer.write(to: directory + "/" + prefix)
        let text = handle.jsonText
        let files = handle.files.map {
            SnapshotFile(path: prefix + "/" + $0.relativePath, bytes: $0.byteSize, crc32c: $0.crc32c)
        }
        return (text, files)
    }

    func discard() { writer.discard() }
}

/// The stores restored side by side, collected from the restoring threads.
private final class RestoredStores: @unchecked Sendable {
    // @unchecked: `results` is only touched under `lock`, and read after
    // every restoring thread has ended.
    private let lock = NSLock()
    private(set) var results: [Int: Result<any KeyedStateStore, JobFailure>] = [:]

    func set(_ index: Int, _ outcome: Result<any KeyedStateStore, JobFailure>) {
        lock.lock()
        results[index] = outcome
        lock.unlock()
    }
}
