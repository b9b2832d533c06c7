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
    private let checkpointDirectory: String
    private let savepointDirectory: String
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

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func parent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }
}
