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
        let directory: DataDirectory
        switch try data.openOrConnect(group == nil ? .readOnly : .readOnlyExcept([ConsumerGroups.topicName])) {
        case .directory(let opened): directory = opened
        case .server(let client):
            return try withClientErrors {
                try consumeThroughServer(client, startTime: startTime, readCommitted: isolationLevel == .readCommitted)
            }
        }
        let target = try withLogErrors { try directory.topic(named: topic) }
        let partitions: [PartitionLog]
        if let partition {
            partitions = [try withLogErrors { try target.partition(partition) }]
        } else {
            partitions = target.partitions
        }
        let groups = try group.map { _ in try withLogErrors { try ConsumerGroups(directory: directory) } }

        // Where each partition starts, and where a bounded read stops.
        var positions: [Int64] = []
        for log in partitions {
            let number = log.partition.partition
            var start: Int64
            if let group, let committed = groups?.committedOffset(group: group, topic: topic, partition: number) {
                start = committed
            } else if let offset {
                guard offset >= log.startOffset && offset <= log.endOffset else {
                    var hint = ""
                    if self.partition == nil && partitions.count > 1 {
                        let ranges = partitions.map { "\($0.partition.partition): \($0.startOffset)..<\($0.endOffset)" }
                        hint = ". --offset applies to each of the \(partitions.count) partitions read (offsets "
                            + "\(ranges.joined(separator: ", "))); give --partition N to start one partition at an offset"
                    }
                    writeStderr("error: \(LogError.offsetOutOfRange(log.partition, requested: offset, start: log.startOffset, end: log.endOffset))\(hint)\n")
                    throw ExitCode(1)
                }
                start = offset
            } else if let startTime {
                start = try withLogErrors { try log.offset(forTimestamp: startTime) } ?? log.endOffset
            } else if fromBeginning {
                start = log.startOffset
            } else {
                start = log.endOffset
            }
            start = Swift.max(start, log.startOffset)
            positions.append(start)
        }
        let stops = partitions.map { isolationLevel == .readCommitted ? $0.lastStableOffset : $0.endOffset }

        let stop = StopSignals()

        var output = OutputBuffer()
        var printed = 0
        let progress = ProgressLine("consume \(topic)")
        defer { progress.finish() }
        let limit = max ?? Int.max
        func commit() throws {
            guard let group, let groups else { return }
            let offsets = partitions.enumerated().map { index, log in
                (ConsumerGroups.Key(group: group, topic: topic, partition: log.partition.partition), positions[index])
            }
            try withLogErrors { try groups.commit(offsets) }
        }
        try Self.readThenCommit(read: readLoop, flush: { output.flush() }, commit: commit)

        func readLoop() throws {
        reading: while printed < limit && !stop.requested {
            var progressed = false
            for (index, log) in partitions.enumerated() {
                let end = follow ? log.endOffset : stops[index]
                guard positions[index] < end else { continue }
                let slice = try withLogErrors {
                    try log.read(from: positions[index], maxBytes: 1 << 20, isolation: isolationLevel)
                }
                guard !slice.isEmpty else {
                    // Compaction removed every offset from here to the end,
                    // or (read committed) the last stable offset is here.
                    positions[index] = Swift.max(positions[index], Swift.min(slice.nextOffset, end))
                    continue
                }
                progressed = true
                let records: [DecodedRecord]
                do {
                    // Markers and aborted transactions' batches are skipped.
                    records = try slice.bytes.withUnsafeBytes { (raw) throws(RecordBatchV2.BatchesError) in
                        var all: [DecodedRecord] = []
                        for range in slice.visibleBatches {
                            all += try RecordBatchV2.decode(batchesIn: UnsafeRawBufferPointer(rebasing: raw[range]))
                        }
                        return all
                    }
                } catch {
                    writeStderr("error: \(log.partition): reading from offset \(positions[index]): \(error)\n")
                    throw ExitCode(1)
                }
                for record in records where record.offset >= positions[index] {
                    if !follow && record.offset >= stops[index] { break }
                    print(record, partition: log.partition.partition, into: &output)
                    positions[index] = record.offset + 1
                    printed += 1
                    if printed >= limit { break reading }
                }
                progress.add(records.count)
                positions[index] = Swift.max(positions[index], slice.nextOffset)
                if !follow { positions[index] = Swift.min(positions[index], stops[index]) }
            }
            if !progressed {
                if !follow { break }
                output.flush()
                usleep(50_000)
            }
        }
        }
    }

    func print(_ record: DecodedRecord, partition: Int, into output: inout OutputBuffer) {
        if format == "value" {
            output.append(record.value ?? [])
        } else {
            func text(_ bytes: [UInt8]?) -> JSONValue {
                guard let bytes else { return .null }
                return .string(String(decoding: bytes, as: UTF8.self))
            }
            let object = JSONObject([
                ("partition", .int(Int64(partition))), ("offset", .int(record.offset)),
                ("timestamp", .int(record.timestamp)), ("key", text(record.key)), ("value", text(record.value)),
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
