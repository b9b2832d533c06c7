import Dispatch
import Foundation
import Logging
import Synchronization

/// The background log cleaner of a data directory: one thread that, every
/// `intervalMilliseconds`, runs a compaction pass over each partition of
/// each compacted topic where one is due (`DataDirectory.compactAll`).
///
/// A pass reads and writes segments without the partition's lock, so
/// appends and reads go on; it takes the lock to plan and to swap the new
/// segments in. Errors are logged and the next round tries again.
///
/// # Thread safety
/// `start` and `stop` may be called from any thread. `onPass` is called on
/// the cleaner's thread after each round.
///
/// # Ownership
/// Holds its `DataDirectory` while running; stop it before closing the
/// directory (passes then end with `partitionClosed`, which is harmless).
public final class LogCleaner: Sendable {
    /// Kafka's `log.cleaner.backoff.ms`: the pause between rounds.
    public static let intervalMillisecondsDefault: Int64 = 15_000

    public let directory: DataDirectory
    public let intervalMilliseconds: Int64
    private let logger: Logger
    private let onPass: (@Sendable ([CompactionResult]) -> Void)?
    private let state = Mutex<State>(State())
    /// Signalled to wake the thread early (stop).
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled by the thread when it exits.
    private let exited = DispatchSemaphore(value: 0)

    private struct State {
        var started = false
        var stopping = false
    }

    /// - Parameters:
    ///   - onPass: called after each round with its results (tests, metrics).
    public init(
        directory: DataDirectory, intervalMilliseconds: Int64 = intervalMillisecondsDefault,
        logger: Logger = Logger(label: "streamhost.log"),
        onPass: (@Sendable ([CompactionResult]) -> Void)? = nil
    ) {
        precondition(intervalMilliseconds > 0, "the cleaner's interval must be positive")
        self.directory = directory
        self.intervalMilliseconds = intervalMilliseconds
        self.logger = logger
        self.onPass = onPass
    }

    /// Starts the thread; the first round runs at once. Starting twice is
    /// harmless.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started && !state.stopping
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "streamhost log cleaner"
        thread.start()
        logger.debug("log cleaner of \(directory.path) started: a round every \(intervalMilliseconds) ms")
    }

    /// Stops the thread, waiting for a running pass to finish. Harmless
    /// twice, or when never started.
    public func stop() {
        let wasRunning = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.started && !state.stopping
        }
        guard wasRunning else { return }
        wake.signal()
        exited.wait()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        defer { exited.signal() }
        while !isStopping {
            var results: [CompactionResult] = []
            do {
                results = try directory.compactAll()
            } catch .dataDirectoryClosed {
                return
            } catch {
                // compactAll has logged each failure; the next round retries.
            }
            onPass?(results)
            _ = wake.wait(timeout: .now() + .milliseconds(Int(min(intervalMilliseconds, Int64(Int32.max)))))
        }
    }
}
