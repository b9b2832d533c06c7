#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Core
import Dispatch
import Foundation
import KafkaClient
import Log
import Synchronization
import TimeText

struct Consume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a topic's records, one value per line.",
        discussion: """
            Starts at the group's committed offsets with --group (where it has some), else at \
            --offset, --from-time, --from-beginning, or the end (only new records). Without \
            --follow it stops at the end offsets it saw when it started. With --group it commits \
            the offsets it has printed when it stops. Reads committed records only by default \
            (--isolation read_committed: never past a partition's last stable offset, without \
            aborted transactions); --isolation read_uncommitted prints every data record. \
            Transaction markers are never printed.
            """)

    @Argument var topic: String
    @Flag(help: "Start at the first record still stored.") var fromBeginning = false
    @Option(help: "Start at this offset (in every partition read).") var offset: Int64?
    @Option(help: "Start at the first record with a timestamp at or after this (ms since the epoch, or ISO 8601; no zone: UTC).")
    var fromTime: String?
    @Option(help: "Read only this partition.") var partition: Int?
    @Option(help: "A consumer group: start at its committed offsets and commit what was read.") var group: String?
    @Option(help: "Stop after this many records.") var max: Int?
    @Flag(help: "Keep waiting for new records (until SIGINT/SIGTERM).") var follow = false
    @Option(help: "Output: value (the value per line) or json (partition, offset, timestamp, key, value).")
    var format = "value"
    @Option(help: "read_committed (records of committed transactions and plain ones) or read_uncommitted (all).")
    var isolation = IsolationLevel.readCommitted.rawValue
    @OptionGroup var data: DataDirectoryOptions

    func run() throws {
        guard format == "value" || format == "json" else { throw ValidationError("--format must be value or json") }
        guard let isolationLevel = IsolationLevel(rawValue: isolation) else {
            throw ValidationError("--isolation is '\(isolation)'; it must be read_committed or read_uncommitted")
        }
        if [fromBeginning, offset != nil, fromTime != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --from-beginning, --offset and --from-time")
        }
        let startTime = try fromTime.map(Self.parseTime)
        // Only --group writes (its commits, to the offsets topic).
        let client: any LogClient
        switch try data.openOrConnect(group == nil ? .readOnly : .readOnlyExcept([ConsumerGroups.topicName])) {
        case .directory(let directory): client = DirectLogClient(directory: directory)
        case .server(let connection): client = ServerLogClient(connection: connection)
        }
        defer { client.close() }
        let start: TopicReader.Start
        if let offset {
            start = .offset(offset)
        } else if let startTime {
            start = .time(startTime)
        } else {
            start = fromBeginning ? .earliest : .latest
        }
        let reader = try withReaderErrors {
            try TopicReader(
                client: client, topic: topic, partitions: partition.map { [$0] }, start: start, group: group,
                isolation: isolationLevel, bounded: !follow, collectsOffsets: true)
        }

        let stop = StopSignals()
        var output = OutputBuffer()
        var printed = 0
        let progress = ProgressLine("consume \(topic)")
        defer { progress.finish() }
        let limit = max ?? Int.max
        try Self.readThenCommit(
            read: {
                while printed < limit && !stop.requested {
                    let chunks = try withReaderErrors {
                        try reader.read(
                            recordsMax: Swift.min(limit - printed, Self.chunkRecordsMax),
                            waitMs: follow ? Self.followWaitMs : 0)
                    }
                    guard !chunks.isEmpty else {
                        // Bounded: at the stop offsets (or nothing more
                        // below them). Following: nothing new for a while.
                        if !follow { break }
                        output.flush()
                        continue
                    }
                    for chunk in chunks {
                        for index in 0..<chunk.records.count {
                            chunk.records.withRecord(at: index) { timestamp, key, value in
                                print(partition: chunk.partition, offset: chunk.offsets[index], timestamp: timestamp,
                                      key: key, value: value, into: &output)
                            }
                        }
                        printed += chunk.records.count
                        progress.add(chunk.records.count)
                    }
                }
            },
            flush: { output.flush() },
            commit: { if let group { try withReaderErrors { try reader.commit(group: group) } } })
    }

    /// How long a following read waits for new records (a Fetch long poll
    /// through a server) before it looks at the stop flag again.
    static let followWaitMs = 500
    /// The most records one read hands to the printer.
    static let chunkRecordsMax = 10_000

    /// Runs a reader call, turning the log's and the server's errors into a
    /// message and exit status 1; an --offset outside a partition's range
    /// says which ranges there are when several partitions are read.
    func withReaderErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TopicReader.StartOutOfRange {
            var hint = ""
            if partition == nil && error.ranges.count > 1 {
                let ranges = error.ranges.map { "\($0.partition): \($0.start)..<\($0.end)" }
                hint = ". --offset applies to each of the \(error.ranges.count) partitions read (offsets "
                    + "\(ranges.joined(separator: ", "))); give --partition N to start one partition at an offset"
            }
            writeStderr("error: \(error)\(hint)\n")
            throw ExitCode(1)
        } catch let error as LogError {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        } catch let error as KafkaClientError {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        } catch let error as LogClientError {
            writeStderr("error: \(error)\n")
            throw ExitCode(1)
        }
    }

    func print(
        partition: Int, offset: Int64, timestamp: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        into output: inout OutputBuffer
    ) {
        if format == "value" {
            output.append(value ?? UnsafeRawBufferPointer(start: nil, count: 0))
        } else {
            func text(_ bytes: UnsafeRawBufferPointer?) -> JSONValue {
                guard let bytes else { return .null }
                return .string(String(decoding: bytes, as: UTF8.self))
            }
            let object = JSONObject([
                ("partition", .int(Int64(partition))), ("offset", .int(offset)),
                ("timestamp", .int(timestamp)), ("key", text(key)), ("value", text(value)),
            ])
            output.append(JSONValue.object(object).serialized().utf8)
        }
        output.append(CollectionOfOne(10))
    }

    /// Runs the read loop, then flushes and (with a group) commits; when
    /// the loop fails, what was printed before is still delivered and
    /// committed.
    static func readThenCommit(read: () throws -> Void, flush: () -> Void, commit: () throws -> Void) throws {
        do {
            try read()
        } catch {
            flush()
            try? commit()
            throw error
        }
        flush()
        try commit()
    }

    static func parseTime(_ text: String) throws -> Int64 {
        guard let milliseconds = TimeText.epochMilliseconds(text) else {
            throw ValidationError("--from-time takes \(TimeText.rule); got '\(text)'")
        }
        return milliseconds
    }
}

/// SIGINT and SIGTERM stop a read loop: they set a flag the loop checks,
/// so that it flushes what it printed and commits before it exits. The
/// handlers are cancelled when this is released.
final class StopSignals {
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private let flag = Flag()
    private var sources: [any DispatchSourceSignal] = []

    init() {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let flag = flag
        sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.value.store(true, ordering: .relaxed) }
            source.resume()
            return source
        }
    }

    var requested: Bool { flag.value.load(ordering: .relaxed) }

    deinit { for source in sources { source.cancel() } }
}

struct GroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "Consumer groups and their lag.", subcommands: [List.self, Describe.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the consumer groups with committed offsets.")
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            switch try data.openOrConnect(.readOnly) {
            case .directory(let directory):
                let groups = try withLogErrors { try ConsumerGroups(directory: directory) }
                for name in Set(groups.all.map(\.key.group)).sorted() { print(name) }
            case .server(let client):
                // The server also knows groups with members and no commits;
                // the list is of groups with committed offsets.
                let names = try withClientErrors { try client.listGroups().filter { try !client.committedOffsets(group: $0).isEmpty } }
                for name in names { print(name) }
            }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's committed offset, end offset and lag per partition.")
        @Argument var group: String
        @OptionGroup var data: DataDirectoryOptions
        /// One committed partition: its end offset, nil when the topic or
        /// partition is gone.
        struct Row {
            let topic: String
            let partition: Int
            let committed: Int64
            let end: Int64?
        }

        func run() throws {
            var rows: [Row] = []
            switch try data.openOrConnect(.readOnly) {
            case .directory(let directory):
                let groups = try withLogErrors { try ConsumerGroups(directory: directory) }
                for row in groups.all where row.key.group == group {
                    let log = try? directory.topic(named: row.key.topic).partition(row.key.partition)
                    rows.append(Row(topic: row.key.topic, partition: row.key.partition, committed: row.offset, end: log?.endOffset))
                }
            case .server(let client):
                try withClientErrors {
                    let committed = try client.committedOffsets(group: group)
                    let counts = Dictionary(
                        try client.metadata().map { ($0.name, $0.partitionCount) }, uniquingKeysWith: { first, _ in first })
                    var ends: [String: [Int: Int64]] = [:]
                    for (topic, entries) in Dictionary(grouping: committed, by: \.topic) {
                        let present = entries.map(\.partition).filter { $0 < counts[topic] ?? 0 }
                        guard !present.isEmpty else { continue }
                        ends[topic] = try client.listOffsets(
                            topic: topic, partitions: present, timestamp: KafkaClient.latest, readCommitted: false)
                    }
                    rows = committed.map {
                        Row(topic: $0.topic, partition: $0.partition, committed: $0.offset, end: ends[$0.topic]?[$0.partition])
                    }
                }
            }
            guard !rows.isEmpty else {
                writeStderr("error: group '\(group)' has no committed offsets\n")
                throw ExitCode(1)
            }
            print("group \(group)")
            print("  topic  partition  committed  end  lag")
            for row in rows {
                guard let end = row.end else {
                    print("  \(row.topic)  \(row.partition)  \(row.committed)  (topic or partition gone)")
                    continue
                }
                print("  \(row.topic)  \(row.partition)  \(row.committed)  \(end)  \(Swift.max(0, end - row.committed))")
            }
        }
    }
}
