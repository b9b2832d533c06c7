import Checkpoint
import DurableFiles
import PluginHost
import Synchronization

/// The private copies of new builds that one job's hot swaps made, in the
/// job's plugins directory (`DATA/plugins/JOB/`), and the rule that removes
/// them: a copy stays while the running attempt uses it, while a swap is
/// loading or checking it, and while any retained checkpoint or savepoint
/// of the job names it (`StepSnapshot.pluginBuild`: the build that wrote
/// the state is the one that can restore it). Every other copy is removed:
/// a refused candidate at once (`SwapOrchestrator`), the rest when
/// checkpoint retention drops the last manifest naming it
/// (`CheckpointCoordinator`, right after `CheckpointStore.retain`).
///
/// Crash safety: a manifest names a build only after the build was copied
/// and loaded, and removal reads the manifests on disk each time, after
/// retention; a crash at any point leaves extra copies (removed at the next
/// pass) and never removes a named one. A manifest that cannot be read
/// stops the pass: what it names is unknown, so nothing is removed.
///
/// # Thread safety
/// `reserve`, `release` and `removeUnneeded` may be called from any thread;
/// the pinned names are under a lock, and two passes at once only remove
/// the same files (a file already gone is fine).
public final class SwapBuilds: Sendable {
    /// The job's plugins directory.
    public let directory: String
    /// The job's checkpoint and savepoint directories, whose manifests name
    /// the builds to keep.
    public let checkpointDirectory: String
    public let savepointDirectory: String
    /// Copies a swap is making, loading or checking: named by no manifest
    /// yet, and not the running plan's.
    private let pinned = Mutex<Set<String>>([])

    public init(directory: String, checkpointDirectory: String, savepointDirectory: String) {
        self.directory = directory
        self.checkpointDirectory = checkpointDirectory
        self.savepointDirectory = savepointDirectory
    }

    /// The job's plugins directory under a data directory.
    public static func directory(dataDirectory: String, job: String) -> String {
        "\(dataDirectory)/plugins/\(job)"
    }

    /// A fresh path for a copy of the build at `path`, kept from removal
    /// until `release`.
    public func reserve(copyOf path: String) -> String {
        let name = PluginLoader.copyName(for: path)
        pinned.withLock { _ = $0.insert(name) }
        return directory + "/" + name
    }

    /// Ends the reservation of `copy` (the swap ended: the copy now runs,
    /// or was refused).
    public func release(_ copy: String) {
        let name = Self.fileName(copy)
        pinned.withLock { _ = $0.remove(name) }
    }

    /// The file name of the build `component` runs from when it lies in
    /// this directory (a swap's copy, or such a copy the user named with
    /// `--plugin` to resume from a checkpoint it wrote), else nil.
    public func buildName(of component: Component) -> String? {
        let parent = Self.parent(component.loadedPath)
        guard parent == directory
            || PluginRegistry.realPath(parent.isEmpty ? "." : parent) == PluginRegistry.realPath(directory)
        else { return nil }
        return Self.fileName(component.loadedPath)
    }

    /// Removes every copy in the directory that the running `plan` does not
    /// use, no swap holds and no retained manifest names. Returns the names
    /// removed; nothing when a manifest cannot be read.
    @discardableResult
    public func removeUnneeded(running plan: JobPlan) -> [String] {
        let files = ActiveFileSystem.current
        // Most jobs never swap: no directory, nothing to read.
        guard let names = try? files.list(directory), names.contains(where: { $0.hasSuffix(".so") }) else { return [] }
        var keep = pinned.withLock { $0 }
        for step in plan.steps {
            if let name = buildName(of: step.component) { keep.insert(name) }
        }
        let stores = [CheckpointStore(directory: checkpointDirectory, prefix: "chk"),
                      CheckpointStore(directory: savepointDirectory, prefix: "sp")]
        for store in stores {
            for id in store.completeIDs() {
                guard let manifest = try? CheckpointStore.load(
                    directory: store.directory + "/" + store.name(of: id), verifyFiles: false)
                else { return [] }
                for step in manifest.steps {
                    if let build = step.pluginBuild { keep.insert(build) }
                }
            }
        }
        var removed: [String] = []
        for name in names.sorted() where name.hasSuffix(".so") && !keep.contains(name) {
            // Best effort: a copy that stays is tried again at the next pass.
            if (try? files.removeFile(directory + "/" + name)) != nil { removed.append(name) }
        }
        return removed
    }

    /// A copy a restore loads in place of the build the job was planned
    /// with: the copy that wrote a step's state, when the planned build is
    /// older than that state (it could not restore it at all).
    public struct ResumeBuild: Sendable, Equatable {
        public let stepID: String
        public let pluginName: String
        /// The copy, in this directory.
        public let path: String
        /// The state's version and the planned build's.
        public let stateVersion: UInt32
        public let plannedStateVersion: UInt32
        /// The file the job was planned with.
        public let plannedPath: String
    }

    /// The copies to load before restoring from `manifest` into `plan`:
    /// for each step whose state a copy in this directory wrote
    /// (`pluginBuild`) and whose planned build has an older state version,
    /// that copy, if it is still here. A run killed after a swap and
    /// started again with the same `--plugin` files so resumes with the
    /// build that was running; a newer build the user gives is used as
    /// given.
    public func buildsToResume(from manifest: CheckpointManifest, plan: JobPlan) -> [ResumeBuild] {
        var found: [ResumeBuild] = []
        for saved in manifest.steps {
            guard let build = saved.pluginBuild,
                  let step = plan.steps.first(where: { $0.id == saved.stepID }),
                  step.component.pluginName == saved.pluginName,
                  step.component.stateVersion < saved.stateVersion,
                  buildName(of: step.component) != build
            else { continue }
            let path = directory + "/" + build
            guard ActiveFileSystem.current.status(atPath: path, followingLinks: true) != nil,
                  !found.contains(where: { $0.path == path })
            else { continue }
            found.append(ResumeBuild(
                stepID: saved.stepID, pluginName: saved.pluginName, path: path, stateVersion: saved.stateVersion,
                plannedStateVersion: step.component.stateVersion, plannedPath: step.component.pluginPath))
        }
        return found
    }

    /// The manifest a run would restore from: the savepoint given, else the
    /// newest complete checkpoint whose manifest reads (files are checked
    /// by the restore itself); nil when there is none.
    public static func manifestToResume(checkpointDirectory: String, fromSavepoint: String?) -> CheckpointManifest? {
        if let fromSavepoint { return try? CheckpointStore.load(directory: fromSavepoint, verifyFiles: false) }
        let store = CheckpointStore(directory: checkpointDirectory, prefix: "chk")
        for id in store.completeIDs() {
            if let manifest = try? CheckpointStore.load(directory: checkpointDirectory + "/" + store.name(of: id),
                                                        verifyFiles: false) {
                return manifest
            }
        }
        return nil
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func parent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }
}
