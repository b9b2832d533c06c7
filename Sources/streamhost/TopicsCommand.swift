import ArgumentParser
import Core
import KafkaClient
import Log

struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Create, list, describe, alter, delete, compact and repair topics.",
        subcommands: [Create.self, List.self, Describe.self, Alter.self, Delete.self, Compact.self, Repair.self])

    /// Parses `key=value` config arguments.
    static func parseConfigs(_ items: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--config takes key=value, got '\(item)'")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")
        @Argument var name: String
        @Option(help: "Number of partitions.") var partitions = 1
        @Option(name: .customLong("config"), help: ArgumentHelp(
            "A topic config (retention.ms, retention.bytes, segment.bytes, cleanup.policy, flush.mode...); repeatable.",
            valueName: "key=value"))
        var configs: [String] = []
        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let parsed = try TopicsCommand.parseConfigs(configs)
            let config = try withLogErrors { try TopicConfig(parsed) }
            let count: Int
            switch try data.openOrConnect() {
            case .directory(let directory):
                count = try withLogErrors { try directory.createTopic(name: name, partitions: partitions, config: config) }
                    .partitionCount
            case .server(let client):
                try withClientErrors { try client.createTopic(name: name, partitions: partitions, configs: parsed) }
                count = partitions
            }
            print("created topic \(name) with \(count) partition\(count == 1 ? "" : "s")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the topics.")
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            switch try data.openOrConnect(.readOnly) {
            case .directory(let directory):
                for name in directory.topics { print(name) }
            case .server(let client):
                for name in try withClientErrors({ try client.metadata() }).map(\.name).sorted() { print(name) }
            }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a topic's partitions (offsets, size, segments) and config.")
        @Argument var name: String
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory: DataDirectory
            switch try data.openOrConnect(.readOnly) {
            case .directory(let opened): directory = opened
            case .server(let client): return try describeThroughServer(client)
            }
            let topic = try withLogErrors { try directory.topic(named: name) }
            print("topic \(topic.name): \(topic.partitionCount) partitions")
            var owners: [Int64: String] = [:]
            for status in directory.transactions.statuses { owners[status.producerId] = status.transactionalId }
            for partition in topic.partitions {
                print("  partition \(partition.partition.partition): offsets \(partition.startOffset)..<\(partition.endOffset), "
                    + "\(partition.sizeInBytes) bytes in \(partition.segmentCount) segment\(partition.segmentCount == 1 ? "" : "s"), "
                    + "last stable offset \(partition.lastStableOffset)")
                for open in partition.openTransactions {
                    let owner = owners[open.producerId].map { "'\($0)'" } ?? "unknown id"
                    print("    open transaction \(owner) (producer id \(open.producerId), epoch \(open.producerEpoch)) "
                        + "from offset \(open.firstOffset)")
                }
            }
            print("  config:")
            for (key, value) in topic.config.properties.sorted(by: { $0.key < $1.key }) { print("    \(key)=\(value)") }
        }

        /// The same report from the server's Metadata, ListOffsets and
        /// DescribeConfigs. Segment files and open transactions are the
        /// server's to know: they are left out, and a last line says so.
        private func describeThroughServer(_ client: KafkaClient) throws {
            let metadata = try serverTopic(client, name)
            let partitions = Array(0..<metadata.partitionCount)
            let (starts, ends, stable, configs) = try withClientErrors {
                (
                    try client.listOffsets(topic: name, partitions: partitions, timestamp: KafkaClient.earliest, readCommitted: false),
                    try client.listOffsets(topic: name, partitions: partitions, timestamp: KafkaClient.latest, readCommitted: false),
                    try client.listOffsets(topic: name, partitions: partitions, timestamp: KafkaClient.latest, readCommitted: true),
                    try client.topicConfigs(name)
                )
            }
            print("topic \(name): \(metadata.partitionCount) partitions\(metadata.isInternal ? " (internal)" : "")")
            for partition in partitions {
                print("  partition \(partition): offsets \(starts[partition] ?? -1)..<\(ends[partition] ?? -1), "
                    + "last stable offset \(stable[partition] ?? -1)")
            }
            print("  config:")
            for (key, value) in configs { print("    \(key)=\(value)") }
            print("  (through `streamhost serve` at \(client.address): sizes, segments and open transactions are "
                + "shown when the server is stopped)")
        }
    }

    struct Alter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a topic's config, or add partitions.",
            discussion: "--partitions N raises the partition count to N (Kafka's rule: partitions are only ever "
                + "added). Keyed records written from then on may go to another partition than their key's earlier "
                + "records (the partition is murmur2(key) modulo the count), as in Kafka.")
        @Argument var name: String
        @Option(help: "The new partition count, above the current one.") var partitions: Int?
        @Option(name: .customLong("config"), help: ArgumentHelp("A config to set; repeatable.", valueName: "key=value"))
        var configs: [String] = []
        @Option(name: .customLong("reset"), help: ArgumentHelp("A config to reset to its default; repeatable.", valueName: "key"))
        var resets: [String] = []
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let changes = try TopicsCommand.parseConfigs(configs)
            guard partitions != nil || !changes.isEmpty || !resets.isEmpty else {
                throw ValidationError("give --partitions N, --config key=value or --reset key")
            }
            switch try data.openOrConnect() {
            case .directory(let directory):
                if !changes.isEmpty || !resets.isEmpty {
                    try withLogErrors { _ = try directory.alterConfig(topic: name, changes: changes, resetting: resets) }
                }
                if let partitions {
                    let before = try withLogErrors { try directory.topic(named: name).partitionCount }
                    try withLogErrors { _ = try directory.addPartitions(topic: name, count: partitions) }
                    print("topic \(name): added partitions \(before) to \(partitions - 1) (\(partitions) partitions now)")
                }
            case .server(let client):
                // IncrementalAlterConfigs and CreatePartitions, as a Kafka
                // admin client would send them.
                if !changes.isEmpty || !resets.isEmpty {
                    try withClientErrors { try client.alterTopicConfigs(name, changes: changes, resetting: resets) }
                }
                if let partitions {
                    let before = try serverTopic(client, name).partitionCount
                    try withClientErrors { try client.addPartitions(name, count: partitions) }
                    print("topic \(name): added partitions \(before) to \(partitions - 1) (\(partitions) partitions now)")
                }
            }
            if !changes.isEmpty || !resets.isEmpty { print("altered topic \(name)") }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic and its data.")
        @Argument var name: String
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            switch try data.openOrConnect() {
            case .directory(let directory): try withLogErrors { try directory.deleteTopic(named: name) }
            case .server(let client): try withClientErrors { try client.deleteTopic(name: name) }
            }
            print("deleted topic \(name)")
        }
    }

    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compact a topic now: keep the latest record per key.",
            discussion: "For topics with cleanup.policy=compact or compact,delete. Rewrites each partition's older "
                + "segments, whatever min.cleanable.dirty.ratio says: keeps each key's latest record, removes "
                + "tombstones whose delete.retention.ms has passed since compaction first kept them, and merges "
                + "small segments. The active segment, and segments with records newer than min.compaction.lag.ms, "
                + "are left alone. Safe to interrupt: a partition holds either its old segments or its new ones.")
        @Argument var name: String
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open(
                whenServed: "the server compacts topics with cleanup.policy=compact itself, every log.cleaner.backoff.ms "
                    + "once min.cleanable.dirty.ratio is reached; to compact now, stop the server (kill -TERM PID), run "
                    + "this command and start the server again")
            let topic = try withLogErrors { try directory.topic(named: name) }
            guard topic.config.cleanupPolicy.compacts else {
                writeStderr("error: \(LogError.notCompacted(topic: name, policy: topic.config.cleanupPolicy.rawValue))\n")
                throw ExitCode(1)
            }
            var failed = false
            for partition in topic.partitions {
                do {
                    let result = try partition.compact(force: true)
                    if let reason = result.skipped {
                        print("\(name) partition \(partition.partition.partition): not compacted: \(reason)")
                    } else {
                        print("\(name) partition \(partition.partition.partition): \(result.segmentsRead) segments "
                            + "(\(result.bytesRead) bytes) became \(result.segmentsWritten) (\(result.bytesWritten) bytes); "
                            + "kept \(result.recordsKept) of \(result.recordsRead) records"
                            + (result.tombstonesRemoved > 0 ? ", removed \(result.tombstonesRemoved) tombstones" : "")
                            + "; offsets below \(result.compactedBelowOffset) are compacted")
                    }
                } catch {
                    writeStderr("error: \(error)\n")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a partition's damaged batches, keeping every whole batch and every offset.",
            discussion: "Scans every segment of the partition. Damaged bytes (a batch whose header, CRC or offsets "
                + "fail, anything unreadable) are removed; every whole batch stays with its offsets, before and "
                + "after the damage. Offsets are never reused: the end offset stays where it was, and the offsets "
                + "the damage held become a gap that reads pass over. Says which records are removed and which "
                + "consumer groups have not read them yet. --dry-run says all that and changes nothing.")
        @Argument var name: String
        @Option(help: "The partition to repair.") var partition: Int
        @Flag(help: "Report what would be removed and which groups it affects; change nothing.") var dryRun = false
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open(
                dryRun ? .readOnly : .readWrite,
                whenServed: "repair needs the directory to itself: stop the server (kill -TERM PID), run this command, "
                    + "then start the server again (it recovers torn tails on start; repair removes damage inside segments)")
            let log = try withLogErrors { try directory.topic(named: name).partition(partition) }
            let where_ = "\(name) partition \(partition)"
            // Groups are read before the repair, which does not change them.
            // Damage in the offsets topic itself must not stop its repair.
            var groups: [(key: ConsumerGroups.Key, offset: Int64)] = []
            var groupsUnknown: String?
            if directory.topics.contains(ConsumerGroups.topicName) {
                do {
                    groups = try ConsumerGroups(directory: directory).all
                        .filter { $0.key.topic == name && $0.key.partition == partition }
                } catch {
                    groupsUnknown = "\(error)"
                }
            }
            let endBefore = log.endOffset
            let report = try withLogErrors { try log.repair(dryRun: dryRun) }
            guard !report.damage.isEmpty else {
                print("\(where_): every batch is whole (offsets \(log.startOffset)..<\(log.endOffset)); nothing to repair")
                return
            }
            for damage in report.damage {
                let offsets = damage.lastOffset >= damage.firstOffset
                    ? "offsets \(damage.firstOffset) to \(damage.lastOffset)" : "no offsets"
                let claim = damage.claimedRecords.map { ", \($0) record\($0 == 1 ? "" : "s") by its header's count" } ?? ""
                print("\(where_): \(dryRun ? "would remove" : "removed") \(damage.bytes) damaged bytes at byte position "
                    + "\(damage.position) of \(damage.file) (\(damage.detail)): the records of \(offsets)\(claim) "
                    + "\(dryRun ? "would be" : "are") deleted")
            }
            print("\(where_): every whole batch \(dryRun ? "stays" : "stayed"): \(report.recordsKept) "
                + "record\(report.recordsKept == 1 ? "" : "s"), "
                + "\(report.recordsKeptAfterDamage) of them after the damage; "
                + (report.endOffset == endBefore ? "the end offset stays \(report.endOffset)"
                    : "the end offset moves up from \(endBefore) to \(report.endOffset) (a segment holding only damage "
                        + "made way for a new one)")
                + ", so new records get offsets from \(report.endOffset) on")
            if let groupsUnknown {
                print("\(where_): which consumer groups are affected is unknown: their offsets could not be read "
                    + "(\(groupsUnknown))")
            } else if groups.isEmpty {
                print("\(where_): no consumer group has committed offsets here")
            }
            for (key, committed) in groups {
                let unread = report.damage.filter { committed <= $0.lastOffset && $0.lastOffset >= $0.firstOffset }
                if unread.isEmpty {
                    print("group \(key.group) (committed offset \(committed)): has read past the damage; not affected")
                } else {
                    let ranges = unread.map { "\(Swift.max($0.firstOffset, committed)) to \($0.lastOffset)" }
                    print("group \(key.group) (committed offset \(committed)): has not read offsets "
                        + "\(ranges.joined(separator: ", ")); it \(dryRun ? "would skip" : "skips") them and reads on from "
                        + "the next whole batch")
                }
            }
            if dryRun { print("dry run: nothing was changed; run again without --dry-run to repair") }
        }
    }
}
