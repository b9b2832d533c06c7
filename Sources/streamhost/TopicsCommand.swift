import ArgumentParser
import Core
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
            let config = try withLogErrors { try TopicConfig(try TopicsCommand.parseConfigs(configs)) }
            let directory = try data.open()
            let topic = try withLogErrors { try directory.createTopic(name: name, partitions: partitions, config: config) }
            print("created topic \(topic.name) with \(topic.partitionCount) partition\(topic.partitionCount == 1 ? "" : "s")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the topics.")
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open()
            for name in directory.topics { print(name) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a topic's partitions (offsets, size, segments) and config.")
        @Argument var name: String
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open()
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
    }

    struct Alter: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a topic's config.")
        @Argument var name: String
        @Option(name: .customLong("config"), help: ArgumentHelp("A config to set; repeatable.", valueName: "key=value"))
        var configs: [String] = []
        @Option(name: .customLong("reset"), help: ArgumentHelp("A config to reset to its default; repeatable.", valueName: "key"))
        var resets: [String] = []
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let changes = try TopicsCommand.parseConfigs(configs)
            let directory = try data.open()
            try withLogErrors { _ = try directory.alterConfig(topic: name, changes: changes, resetting: resets) }
            print("altered topic \(name)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a topic and its data.")
        @Argument var name: String
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open()
            try withLogErrors { try directory.deleteTopic(named: name) }
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
            let directory = try data.open()
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
            abstract: "Truncate a partition at its first corrupt batch.",
            discussion: "Reads the partition from its start; at the first batch whose header or CRC is wrong, "
                + "truncates the partition there. Records from that batch on are lost: copy the data directory first "
                + "if they matter.")
        @Argument var name: String
        @Option(help: "The partition to repair.") var partition: Int
        @OptionGroup var data: DataDirectoryOptions
        func run() throws {
            let directory = try data.open()
            let log = try withLogErrors { try directory.topic(named: name).partition(partition) }
            var offset = log.startOffset
            while offset < log.endOffset {
                do {
                    let slice = try log.read(from: offset, maxBytes: 1 << 20)
                    if slice.isEmpty { break }
                    offset = slice.nextOffset
                } catch let error {
                    guard case .corruptBatch(_, let file, let position, let badOffset, _) = error else {
                        writeStderr("error: \(error)\n")
                        throw ExitCode(1)
                    }
                    let end = try withLogErrors { try log.truncate(toOffset: badOffset) }
                    print("truncated \(name) partition \(partition) at offset \(badOffset) "
                        + "(corrupt batch in \(file) at byte \(position)); the partition now ends at \(end)")
                    return
                }
            }
            print("\(name) partition \(partition): every batch is whole (offsets \(log.startOffset)..<\(log.endOffset))")
        }
    }
}
