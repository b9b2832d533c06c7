#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// One attempt of a job running in a worker process (`isolation: process`):
/// spawned by its supervisor, which waits for it and reads its report. A
/// native crash in a plugin kills only the worker; the supervisor sees a
/// failed attempt and applies the job's restart strategy.
///
/// The worker runs in its own process group, so a terminal's Ctrl-C (or
/// `timeout -s INT`, which signals the whole group) reaches the supervisor
/// alone, which forwards it: once to drain, twice to abandon, as for a run
/// without isolation. The worker runs the same attempt loop in-process with
/// no restarts, and owns the data directory's admin socket while it runs
/// (savepoints and swaps go straight to it).
///
/// # Thread safety
/// `wait` blocks one caller; `requestStop`, `cancel` and the other
/// requests may come from any thread while it waits.
public final class WorkerProcess: RunningAttempt, @unchecked Sendable {
    public let pid: pid_t
    private let reportPath: String
    /// Signals forwarded so far (a second one abandons the worker's run).
    private let forwarded = Mutex(0)
    private let reaped = Mutex(false)

    /// Starts `executable` with `arguments` (argv[0] included), its output
    /// going where this process's goes; the worker writes its report to
    /// `reportPath`.
    public init(executable: String, arguments: [String], reportPath: String) throws(JobFailure) {
        self.reportPath = reportPath
        unlink(reportPath)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        // The supervisor ignores SIGINT/SIGTERM (it handles them on a
        // dispatch source); the worker starts with the default actions and
        // an empty mask, and installs its own handlers.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, nil, &attributes, argv, environ)
        guard code == 0 else {
            throw .worker("cannot start a worker process (\(executable)): \(String(cString: strerror(code)))")
        }
        self.pid = pid
    }

    /// Waits for the worker to end and returns its attempt's result: its
    /// report, or a failure naming the signal or exit status that ended it
    /// without one (`reported` false: the attempt's counts are unknown).
    public func wait() -> (result: JobResult, reported: Bool) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped.withLock { $0 = true }
        let signalNumber = status & 0x7f
        if signalNumber != 0 {
            return (JobResult.workerFailure(
                "worker process \(pid) was killed by signal \(signalNumber) (\(Self.signalName(signalNumber)))"), false)
        }
        let exitStatus = (status >> 8) & 0xff
        guard let report = try? WorkerReport.read(from: reportPath) else {
            return (JobResult.workerFailure("worker process \(pid) exited with status \(exitStatus) without reporting "
                + "its attempt's result"), false)
        }
        unlink(reportPath)
        return (report.jobResult, true)
    }

    /// "SIGSEGV" for 11.
    static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        case SIGABRT: return "SIGABRT"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGTRAP: return "SIGTRAP"
        default: return String(cString: strsignal(number))
        }
    }

    private func forward() {
        reaped.withLock { reaped in
            // Never signal a pid that may already belong to another process.
            if !reaped { kill(pid, SIGTERM) }
        }
    }

    // MARK: RunningAttempt

    /// The worker's count is its own; the supervisor does not see it live.
    public var sourceRecordsSoFar: Int { 0 }

    public func requestStop() {
        let first = forwarded.withLock { count -> Bool in
            count += 1
            return count == 1
        }
        if first { forward() }
    }

    public func cancel(reason: String) {
        // Make sure the worker has had its first signal, then the second.
        let needed = forwarded.withLock { count -> Int in
            let missing = max(0, 2 - count)
            count = max(count, 2)
            return missing
        }
        for _ in 0..<needed { forward() }
    }

    public func requestSavepoint(stop: Bool, completion: @escaping @Sendable (Result<SavepointResult, JobFailure>) -> Void) {
        completion(.failure(.checkpoint("the job runs in a worker process (isolation: process), which answers "
            + "savepoints on the admin socket itself")))
    }
}

extension JobResult {
    /// An attempt whose worker process ended without a report.
    static func workerFailure(_ message: String) -> JobResult {
        JobResult(failure: .worker(message), sourceRecords: 0, sinkRecords: 0, rejectedRecords: 0,
                  deadLetterPath: "", seconds: 0, stoppedOnRequest: false)
    }
}
