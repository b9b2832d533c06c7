#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import KafkaClient
import Log
import Logging

/// The data directory option every log command takes.
struct DataDirectoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The data directory (default: STREAMHOST_DATA_DIR, else ./streamhost-data).", valueName: "dir"))
    var dataDir: String?

    var path: String { dataDir ?? ProcessEnvironment.value("STREAMHOST_DATA_DIR") ?? "streamhost-data" }

    /// Opens the data directory, printing the error and exiting 1 when that fails.
    /// Log commands log warnings and errors (recovery, truncation) unless
    /// STREAMHOST_LOG_LEVEL says otherwise. Commands that only read pass a
    /// read-only `access`: they never create, cut or rewrite anything.
    /// - Parameter whenServed: what to do instead when `streamhost serve`
    ///   holds the directory (PID stands for the server's pid), for a
    ///   command that does not work through the server.
    func open(_ access: DataDirectory.Access = .readWrite, whenServed: String? = nil) throws -> DataDirectory {
        bootstrapLogging(level: ProcessEnvironment.value("STREAMHOST_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .warning)
        do {
            return try DataDirectory.open(path: path, access: access, logger: Logger(label: "streamhost.log"))
        } catch LogError.dataDirectoryLocked(let lockedPath, let pid) {
            if let server = ServerDiscovery.read(dataDirectory: path) {
                let advice = whenServed?.replacingOccurrences(of: "PID", with: "\(server.pid)")
                    ?? "stop the server (kill -TERM \(server.pid)) and run it again, or use a Kafka client against \(server.address)"
                writeStderr("error: data directory \(lockedPath) is held by `streamhost serve` (pid \(server.pid), "
                    + "listening on \(server.address)); this command does not work through the server: \(advice)\n")
            } else {
                writeStderr("error: \(LogError.dataDirectoryLocked(path: lockedPath, pid: pid))\n")
            }
            throw ExitCode(1)
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// Where a log command that works through a running server goes.
    enum Target {
        case directory(DataDirectory)
        case server(KafkaClient)
    }

    /// Opens the data directory or, when a live `streamhost serve` holds
    /// it (its `server.json`), connects to that server instead.
    func openOrConnect(_ access: DataDirectory.Access = .readWrite) throws -> Target {
        bootstrapLogging(level: ProcessEnvironment.value("STREAMHOST_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .warning)
        let server: ServerDiscovery
        do {
            return .directory(try DataDirectory.open(path: path, access: access, logger: Logger(label: "streamhost.log")))
        } catch LogError.dataDirectoryLocked(let lockedPath, let pid) {
            guard let found = ServerDiscovery.read(dataDirectory: path) else {
                writeStderr("error: \(LogError.dataDirectoryLocked(path: lockedPath, pid: pid))\n")
                throw ExitCode(1)
            }
            server = found
        } catch {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
        return .server(try withClientErrors { try KafkaClient(server: server) })
    }
}

/// A topic's metadata from the server; a topic that does not exist is
/// reported as the direct path reports it.
func serverTopic(_ client: KafkaClient, _ name: String) throws -> KafkaClient.TopicMetadata {
    do {
        if let found = try client.metadata(topics: [name]).first { return found }
    } catch let error as KafkaClientError where error.code == .unknownTopicOrPartition {
    }
    writeStderr("error: \(LogError.unknownTopic(name))\n")
    throw ExitCode(1)
}

/// Runs a request through the server, turning a KafkaClientError into a
/// message and exit status 1.
func withClientErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as KafkaClientError {
        writeStderr("error: \(error)\n")
        throw ExitCode(1)
    }
}

/// Runs a log operation, turning a LogError into a message and exit status 1.
func withLogErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LogError {
        writeStderr("error: \(error)\n")
        throw ExitCode(1)
    }
}

/// A once-a-second records/s line on stderr when it is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var count = 0
    private var lastCount = 0
    private var last = Date()

    init(_ label: String) { self.label = label }

    func add(_ records: Int) {
        count += records
        guard enabled else { return }
        let now = Date()
        let seconds = now.timeIntervalSince(last)
        guard seconds >= 1 else { return }
        writeStatusLine("\(label): \(count) records, \(Int(Double(count - lastCount) / seconds))/s")
        lastCount = count
        last = now
    }

    func finish() { if enabled && count > 0 { writeStderr("\r\u{1b}[K") } }
}

/// Buffers standard output and writes it in large chunks.
struct OutputBuffer {
    private var bytes: [UInt8] = []

    mutating func append(_ data: some Sequence<UInt8>) {
        bytes.append(contentsOf: data)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
