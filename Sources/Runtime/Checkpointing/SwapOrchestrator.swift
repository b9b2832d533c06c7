import PluginHost
import Synchronization

/// Why a hot swap did not happen; the job runs on (or, for a failure after
/// the stop, restarted on the old build: see `JobRunner.swap`).
public enum SwapError: Error, CustomStringConvertible, Sendable {
    /// The new build could not be copied or loaded.
    case cannotLoad(PluginLoadError)
    /// No step of the running job uses the plugin the new build belongs to.
    case pluginNotUsed(path: String, plugin: String, job: String)
    /// The job does not plan with the new build (a component is missing,
    /// a config no longer validates...); found before the job stops.
    case cannotPlan(path: String, job: String, reason: String)
    /// The runner refused the swap or it failed on the way (see
    /// `JobRunner.swap`).
    case swap(JobFailure)

    public var description: String {
        switch self {
        case .cannotLoad(let error): "\(error)"
        case .pluginNotUsed(let path, let plugin, let job):
            "\(path) is plugin '\(plugin)', which no step of job '\(job)' uses"
        case .cannotPlan(let path, let job, let reason):
            "\(path) cannot run job '\(job)': \(reason); the job runs on with the old build"
        case .swap(let failure): "\(failure)"
        }
    }
}

/// Replaces one plugin's build in a running job: loads a private copy of
/// the new shared library (so that rebuilding the file in place cannot
/// change the code that runs), plans the job with it while the old build
/// runs on, then has the runner stop with a savepoint, restore the new
/// build from it and run on (`JobRunner.swap`, which also falls back to the
/// old build should the new one refuse the state after the stop). The
/// registry of plugins changes only once the new build runs. The copy is
/// held in `SwapBuilds` while the swap runs; a refused one is removed at
/// once, with every other copy no one needs.
///
/// # Thread safety
/// `swap` may be called from any thread, also while another swap runs
/// (the runner refuses the second); its completion runs once, on another
/// thread.
public final class SwapOrchestrator: Sendable {
    private let runner: JobRunner
    private let spec: JobSpec
    private let builds: SwapBuilds
    /// The plugins the running build of the job uses.
    private let registry: Mutex<PluginRegistry>

    /// - Parameters:
    ///   - registry: the plugins the job was planned with.
    ///   - builds: where the private copies of new builds go
    ///     (`<data>/plugins/<job>`), and which of them to keep; the same
    ///     object the runner's checkpoint options carry.
    public init(runner: JobRunner, spec: JobSpec, registry: PluginRegistry, builds: SwapBuilds) {
        self.runner = runner
        self.spec = spec
        self.registry = Mutex(registry)
        self.builds = builds
    }

    /// Swaps the job to the build at `pluginPath`; `completion` gets the
    /// pause and the savepoint, or why the swap did not happen.
    public func swap(pluginPath: String, completion: @escaping @Sendable (Result<SwapReport, SwapError>) -> Void) {
        let copy = builds.reserve(copyOf: pluginPath)
        // A refused copy goes at once (the running plan's builds and those
        // retained manifests name stay).
        let refuse: @Sendable (SwapError) -> Void = { [builds, runner] error in
            builds.release(copy)
            builds.removeUnneeded(running: runner.currentPlan)
            completion(.failure(error))
        }
        let newPlugin: LoadedPlugin
        do {
            newPlugin = try PluginLoader.loadCopy(path: pluginPath, as: copy)
        } catch {
            refuse(.cannotLoad(error))
            return
        }
        guard runner.currentPlan.steps.contains(where: { $0.component.pluginName == newPlugin.name }) else {
            refuse(.pluginNotUsed(path: pluginPath, plugin: newPlugin.name, job: spec.name))
            return
        }
        // Planned before the stop: a build the job cannot use is refused
        // while the job runs on.
        let next: PluginRegistry
        let newPlan: JobPlan
        do {
            next = try registry.withLock { registry throws(PluginLoadError) in try registry.replacing(with: newPlugin) }
            newPlan = try JobValidator.plan(spec, registry: next)
        } catch {
            refuse(.cannotPlan(path: pluginPath, job: spec.name, reason: "\(error)"))
            return
        }
        runner.swap(to: newPlan) { [self] result in
            switch result {
            case .success(let report):
                registry.withLock { $0 = next }
                // The new plan runs it now, and its checkpoints will name it.
                builds.release(copy)
                completion(.success(report))
            case .failure(let failure):
                refuse(.swap(failure))
            }
        }
    }
}
