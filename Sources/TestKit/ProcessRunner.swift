#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// What a finished child process left behind.
public struct ProcessOutcome: Sendable {
    /// The exit status, or 128 + the signal number if a signal ended it.
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
    /// The child's peak resident set size in KiB: its own `VmHWM`, sampled
    /// from /proc while it runs (a high-water mark, so only growth in its
    /// last couple of milliseconds can be missed). Not wait4's `ru_maxrss`:
    /// posix_spawn uses vfork, and Linux carries the parent's high-water
    /// mark into a vforked child's, so that figure can be the test
    /// runner's own peak. 0 when the child ended before a sample was taken.
    public let maxResidentKiB: Int
    public let seconds: Double
}

/// Runs programs for tests: output captured through files, the child's own
/// peak memory read with wait4 (not the whole test process's), and a
/// deadline after which the child is killed.
public enum ProcessRunner {
    public enum Failure: Error, CustomStringConvertible {
        case spawnFailed(String, Int32)
        case timedOut(String, Double)
        public var description: String {
            switch self {
            case let .spawnFailed(path, code): return "cannot start \(path): \(String(cString: strerror(code)))"
            case let .timedOut(path, seconds): return "\(path) did not finish within \(seconds) s"
            }
        }
    }

    /// Runs `executable` with `arguments` and waits for it.
    /// - Parameters:
    ///   - environment: added to (and overriding) this process's environment.
    ///   - input: written to the child's standard input (empty when nil).
    ///   - signalAfter: sends (signal, after seconds) while it runs.
    ///   - signalsWhen: sends these signals back to back, once, as soon as
    ///     `ready` (polled while the child runs) is true.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil, input: String? = nil, timeoutSeconds: Double = 300,
        signalAfter: (Int32, Double)? = nil, signalsWhen: (ready: () -> Bool, signals: [Int32])? = nil
    ) throws -> ProcessOutcome {
        let scratch = try TemporaryDirectory(prefix: "proc")
        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        let inPath = scratch.path + "/stdin"
        FileManager.default.createFile(atPath: inPath, contents: Data((input ?? "").utf8))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let envStrings = env.map { "\($0.key)=\($0.value)" }
        // A working directory goes through sh: posix_spawn's chdir action
        // is not available everywhere.
        let command = currentDirectory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] }
            ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = envStrings.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let start = Date()
        let code = posix_spawnp(&pid, command[0], &actions, nil, argv, envp)
        guard code == 0 else { throw Failure.spawnFailed(executable, code) }

        var status: Int32 = 0
        var usage = rusage()
        var signalled = false
        var highWaterKiB = 0
        while true {
            // Before reaping: afterwards /proc/PID is gone.
            highWaterKiB = max(highWaterKiB, Self.highWaterKiB(of: pid))
            let result = wait4(pid, &status, WNOHANG, &usage)
            if result == pid { break }
            if result < 0 && errno != EINTR { break }
            let elapsed = Date().timeIntervalSince(start)
            if let (number, after) = signalAfter, !signalled, elapsed >= after {
                kill(pid, number)
                signalled = true
            }
            if let (ready, numbers) = signalsWhen, !signalled, ready() {
                for number in numbers { kill(pid, number) }
                signalled = true
            }
            if elapsed > timeoutSeconds {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                throw Failure.timedOut(executable, timeoutSeconds)
            }
            usleep(2000)
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return ProcessOutcome(
            status: exitStatus, standardOutput: out, standardError: err,
            maxResidentKiB: highWaterKiB, seconds: Date().timeIntervalSince(start))
    }

    /// `VmHWM` of a live (or zombie-free) process in KiB, or 0.
    static func highWaterKiB(of pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}
