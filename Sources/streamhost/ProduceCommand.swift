#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Core
import Foundation
import KafkaClient
import Log
import TimeText

struct Produce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append JSON lines (from stdin or a file) to a topic.",
        discussion: """
            Each non-empty line is one record: the line is the value, the timestamp is now (or \
            --timestamp-field), the key is --key's field (the record then goes to the partition \
            murmur2(key) picks, as Kafka's default partitioner does) or null (records then go to \
            the partitions in turn, a batch at a time). A record is acknowledged once its topic's \
            flush.mode is met; a line that cannot be keyed stops the run, and every line before it \
            has been stored.
            """)

    @Argument var topic: String
    @Option(help: "Read this file instead of standard input.") var file: String?
    @Option(help: "A JSON field (dotted path) whose text becomes the record key.") var key: String?
    @Option(help: "A JSON field holding the record timestamp: a number of ms since the epoch, or a string of ms or an ISO 8601 time (no zone: UTC).")
    var timestampField: String?
    @Option(help: "Write every record to this partition.") var partition: Int?
    @Option(help: "Batch compression: none, lz4 or zstd.") var compression = "none"
    @Option(help: "Records per batch at most.") var batchSize = 1000
    @Flag(help: "After each append, print the number of records acknowledged so far to stdout.")
    var printAcks = false
    @OptionGroup var data: DataDirectoryOptions

    func run() throws {
        let codec: CompressionCodec
        switch compression {
        case "none": codec = .none
        case "lz4": codec = .lz4
        case "zstd": codec = .zstd
        default: throw ValidationError("--compression must be none, lz4 or zstd, got '\(compression)'")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        let keyPath = try key.map { text in
            do { return try JSONFieldPath(text) } catch { throw ValidationError("--key '\(text)': \(error)") }
        }
        let timePath = try timestampField.map { text in
            do { return try JSONFieldPath(text) } catch { throw ValidationError("--timestamp-field '\(text)': \(error)") }
        }
        let input: Int32
        if let file {
            input = open(file, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else {
                writeStderr("error: cannot open \(file): \(String(cString: strerror(errno)))\n")
                throw ExitCode(1)
            }
        } else {
            input = STDIN_FILENO
        }
        defer { if file != nil { close(input) } }

        let partitionCount: Int
        let store: (Int, inout [UInt8]) throws -> Void
        // The directory (and its lock) stays open until the run ends.
        let opened = try data.openOrConnect()
        defer { withExtendedLifetime(opened) {} }
        switch opened {
        case .directory(let directory):
            let target = try withLogErrors { try directory.topic(named: topic) }
            partitionCount = target.partitionCount
            store = { _ = try target.partition($0).append(&$1) }
        case .server(let client):
            let name = topic
            partitionCount = try withClientErrors { try serverTopic(client, name) }.partitionCount
            store = { _ = try client.produce(topic: name, partition: $0, batches: $1) }
        }
        if let partition, partition < 0 || partition >= partitionCount {
            throw ValidationError("--partition \(partition): topic \(topic) has partitions 0..<\(partitionCount)")
        }
        let source = file ?? "standard input"
        var writer = PartitionedWriter(
            topic: topic, partitionCount: partitionCount, compression: codec, batchRecordsMax: batchSize, store: store)
        if printAcks {
            writer.onAppend = { total in
                var line = Array("\(total)\n".utf8)
                line.withUnsafeMutableBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            }
        }
        let progress = ProgressLine("produce \(topic)")
        var lineNumber = 0
        var reader = LineReader(fd: input)
        var roundRobin = 0
        do {
            while let line = try reader.next() {
                lineNumber += 1
                guard !line.isEmpty else { continue }
                try line.withUnsafeBytes { value in
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    var timestamp = now
                    if let timePath {
                        guard let milliseconds = Self.time(at: timePath, in: value) else {
                            throw ProduceFailure.line(lineNumber, "field '\(timestampField!)' is missing or not a time: "
                                + "use \(TimeText.rule)")
                        }
                        timestamp = milliseconds
                    }
                    var keyBytes: [UInt8]?
                    if let keyPath {
                        switch JSONScanner.find(keyPath, in: value) {
                        case .found(.stringWithEscapes, let range):
                            keyBytes = JSONScanner.unescapedString(UnsafeRawBufferPointer(rebasing: value[range]))
                        case .found(.null, _):
                            throw ProduceFailure.line(lineNumber, "key field '\(key!)' is null")
                        case .found(_, let range):
                            keyBytes = Array(value[range])
                        case .missing:
                            throw ProduceFailure.line(lineNumber, "key field '\(key!)' is missing")
                        case .notAnObject, .malformed:
                            throw ProduceFailure.line(lineNumber, "not a JSON object, so it has no key field '\(key!)'")
                        }
                    }
                    let target: Int
                    if let partition {
                        target = partition
                    } else if let keyBytes {
                        target = Int(Murmur2.hash(keyBytes) & 0x7fff_ffff) % writer.partitionCount
                    } else {
                        target = roundRobin
                    }
                    let sealed = try keyBytes.withUnsafeBytesIfPresent { keyBuffer in
                        try writer.append(partition: target, timestamp: timestamp, key: keyBuffer, value: value)
                    }
                    if sealed && keyBytes == nil && partition == nil {
                        roundRobin = (roundRobin + 1) % writer.partitionCount
                    }
                }
                progress.add(1)
            }
            try writer.flushAll()
        } catch let failure as ProduceFailure {
            try? writer.flushAll()
            progress.finish()
            if case .line(let number, let message) = failure {
                writeStderr("error: \(source), line \(number): \(message); the \(writer.appended) records before it "
                    + "were stored, nothing from this line on\n")
            }
            throw ExitCode(1)
        } catch let error as LogError {
            progress.finish()
            writeStderr("error: \(error); \(writer.appended) records were stored before it\n")
            throw ExitCode(1)
        } catch let error as KafkaClientError {
            progress.finish()
            writeStderr("error: \(error); \(writer.appended) records were stored before it\n")
            throw ExitCode(1)
        } catch let error as LineReader.Failure {
            try? writer.flushAll()
            progress.finish()
            writeStderr("error: reading \(source): \(error); \(writer.appended) records were stored\n")
            throw ExitCode(1)
        }
        progress.finish()
        writeStderr("produced \(writer.appended) records to \(topic)\n")
    }

    /// The time at `path` in `value` by `TimeText.rule`: an integer number
    /// of ms, or a string (ms or ISO 8601); nil when missing or neither.
    static func time(at path: JSONFieldPath, in value: UnsafeRawBufferPointer) -> Int64? {
        switch JSONScanner.find(path, in: value) {
        case .found(.number, let range): return JSONScanner.integer(in: value, range: range)
        case .found(.string, let range): return TimeText.epochMilliseconds(value[range])
        case .found(.stringWithEscapes, let range):
            return JSONScanner.unescapedString(UnsafeRawBufferPointer(rebasing: value[range])).flatMap(TimeText.epochMilliseconds)
        default: return nil
        }
    }
}

enum ProduceFailure: Error {
    case line(Int, String)
}

extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with the bytes, or with nil when there are none.
    func withUnsafeBytesIfPresent<R>(_ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        switch self {
        case .some(let bytes): return try bytes.withUnsafeBytes { try body($0) }
        case .none: return try body(nil)
        }
    }
}

/// Collects records per partition and stores each partition's batch when
/// it is full: appended to the partition's log, or sent to a running server
/// (`store`), the same batches either way.
struct PartitionedWriter {
    let topic: String
    let compression: CompressionCodec
    /// Stores one partition's encoded batch; throws when it is not stored.
    let store: (Int, inout [UInt8]) throws -> Void
    let batchRecordsMax: Int
    /// Value bytes that close a batch (Kafka's producer defaults to 16 KiB).
    static let batchBytesMax = 16 * 1024
    private var builders: [RecordBatch]
    private(set) var appended = 0
    /// Called after each append with the records acknowledged so far.
    var onAppend: ((Int) -> Void)?

    init(
        topic: String, partitionCount: Int, compression: CompressionCodec, batchRecordsMax: Int,
        store: @escaping (Int, inout [UInt8]) throws -> Void
    ) {
        self.topic = topic
        self.compression = compression
        self.batchRecordsMax = batchRecordsMax
        self.store = store
        builders = (0..<partitionCount).map { _ in RecordBatch(recordCapacity: 256) }
    }

    var partitionCount: Int { builders.count }

    /// Adds a record; returns true when it filled and appended the batch.
    mutating func append(
        partition: Int, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer
    ) throws -> Bool {
        builders[partition].append(timestamp: timestamp, key: key, value: value)
        guard builders[partition].count >= batchRecordsMax || builders[partition].byteCount >= Self.batchBytesMax
        else { return false }
        try flush(partition)
        return true
    }

    mutating func flush(_ partition: Int) throws {
        let batch = builders[partition]
        guard batch.count > 0 else { return }
        var bytes: [UInt8]
        do {
            bytes = try RecordBatchV2.encode(batch, compression: compression)
        } catch {
            throw LogError.invalidBatch(TopicPartition(topic: topic, partition: partition), reason: "\(error)")
        }
        try store(partition, &bytes)
        appended += batch.count
        batch.removeAll()
        onAppend?(appended)
    }

    mutating func flushAll() throws {
        for partition in builders.indices { try flush(partition) }
    }
}

/// Reads lines from a file descriptor in large chunks.
struct LineReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    static let chunkBytes = 1 << 20

    init(fd: Int32) { self.fd = fd }

    /// The next line without its newline (and without a trailing CR), or nil at the end.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 10) {
                var end = newline
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let previous = buffer.count
            buffer.reserveCapacity(previous + Self.chunkBytes)
            buffer.append(contentsOf: repeatElement(0, count: Self.chunkBytes))
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + previous, Self.chunkBytes) }
            if count < 0 {
                if errno == EINTR { buffer.removeLast(Self.chunkBytes); continue }
                throw Failure(description: String(cString: strerror(errno)))
            }
            buffer.removeLast(Self.chunkBytes - count)
            if count == 0 { atEnd = true }
        }
    }
}
