import Core

/// Reads some partitions of a topic forward through a `LogClient`: the
/// one consumer of the log, used by `streamhost consume` (direct or through
/// a server) and by a job's log readers (the logsource plugin).
///
/// Where each partition starts: a group's committed offset when the caller
/// passes one (never below the log start), else `start`. A bounded reader
/// stops at the end offsets (read committed: the last stable offsets) it
/// saw when it opened; an unbounded one follows the partitions. Markers
/// and (read committed) aborted transactions' batches are skipped.
///
/// # Thread safety
/// Used by one thread at a time.
public final class TopicReader {
    /// Where a partition without a committed offset starts.
    public enum Start: Sendable, Equatable {
        /// The first record still stored.
        case earliest
        /// The end offset: only records appended from now on.
        case latest
        /// This offset, which must lie between the log start and end offsets.
        case offset(Int64)
        /// The first record with a timestamp at or after this (ms since the
        /// epoch); the end offset when every record is older.
        case time(Int64)
    }

    /// Records read from one partition.
    public struct Chunk {
        public let partition: Int
        public let records: RecordBatch
        /// Each record's offset, when the reader collects them.
        public let offsets: [Int64]
        /// Where the partition's next read continues.
        public let nextOffset: Int64
    }

    /// An `offset` start outside a partition's offsets: the partition that
    /// refused it and the range of every partition read, so the message can
    /// say which one to pick.
    public struct StartOutOfRange: Error, CustomStringConvertible {
        public let refused: LogError
        public let ranges: [(partition: Int, start: Int64, end: Int64)]

        public var description: String { refused.description }
    }

    /// The most bytes one fetch reads per partition.
    public static let fetchBytesMax = 1 << 20
    /// The most fetches one `read` makes while they bring batches but no
    /// record to return (compaction keeps a batch's offset range while
    /// removing its later records; markers and aborted batches are skipped).
    public static let emptyFetchesMax = 64

    public let client: any LogClient
    public let topic: String
    public let partitions: [Int]
    public let isolation: IsolationLevel
    public let collectsOffsets: Bool
    /// The next offset to read in each partition, in `partitions` order.
    public private(set) var positions: [Int64]
    /// Bounded readers: the offsets each partition stops at.
    public let stops: [Int64]?
    /// The index in `partitions` the next read starts with.
    private var firstPartitionIndex = 0

    /// Opens the reader: checks the topic and partitions (nil: all of them),
    /// finds each start (the committed offsets of `group` first, where it
    /// has some) and, bounded, each stop.
    public init(
        client: any LogClient, topic: String, partitions: [Int]? = nil, start: Start, group: String? = nil,
        isolation: IsolationLevel, bounded: Bool, collectsOffsets: Bool = false
    ) throws {
        let count = try client.partitionCount(topic: topic)
        let numbers = partitions ?? Array(0..<count)
        for number in numbers where !(0..<count).contains(number) {
            throw LogError.unknownPartition(topic: topic, partition: number, partitionCount: count)
        }
        self.client = client
        self.topic = topic
        self.partitions = numbers
        self.isolation = isolation
        self.collectsOffsets = collectsOffsets
        let committed = try group.map { try client.committedOffsets(group: $0, topic: topic, partitions: numbers) } ?? [:]
        let earliest = try client.offsets(topic: topic, partitions: numbers, query: .earliest, isolation: .readUncommitted)
            .map { $0 ?? 0 }
        let ends = try client.offsets(topic: topic, partitions: numbers, query: .latest, isolation: .readUncommitted)
            .map { $0 ?? 0 }
        var positions: [Int64]
        switch start {
        case .earliest:
            positions = earliest
        case .latest:
            positions = ends
        case .offset(let offset):
            for index in numbers.indices
            where committed[numbers[index]] == nil && (offset < earliest[index] || offset > ends[index]) {
                throw StartOutOfRange(
                    refused: .offsetOutOfRange(
                        TopicPartition(topic: topic, partition: numbers[index]), requested: offset,
                        start: earliest[index], end: ends[index]),
                    ranges: numbers.indices.map { (numbers[$0], earliest[$0], ends[$0]) })
            }
            positions = numbers.map { _ in offset }
        case .time(let time):
            let found = try client.offsets(topic: topic, partitions: numbers, query: .time(time), isolation: isolation)
            positions = numbers.indices.map { found[$0] ?? ends[$0] }
        }
        for (index, number) in numbers.enumerated() {
            if let offset = committed[number] { positions[index] = Swift.max(offset, earliest[index]) }
        }
        self.positions = positions
        stops = bounded
            ? try client.offsets(topic: topic, partitions: numbers, query: .latest, isolation: isolation).map { $0 ?? 0 }
            : nil
    }

    /// Whether a bounded reader has reached every stop offset.
    public var isFinished: Bool {
        guard let stops else { return false }
        return positions.indices.allSatisfy { positions[$0] >= stops[$0] }
    }

    /// The next records, at most `recordsMax` in all; empty when no
    /// partition has a record now (after waiting up to `waitMs` for one)
    /// or a bounded reader is finished.
    public func read(recordsMax: Int, waitMs: Int = 0) throws -> [Chunk] {
        precondition(recordsMax > 0, "recordsMax \(recordsMax) must be positive")
        guard !partitions.isEmpty else { return [] }
        defer { firstPartitionIndex = (firstPartitionIndex + 1) % partitions.count }
        var chunks: [Chunk] = []
        var remaining = recordsMax
        for round in 0..<Self.emptyFetchesMax {
            // Each read starts one partition further, so that a busy
            // partition never starves the others of `recordsMax`.
            let rotated = partitions.indices.map { ($0 + firstPartitionIndex) % partitions.count }
            let wanted = rotated.filter { stops == nil || positions[$0] < stops![$0] }
            guard !wanted.isEmpty else { break }
            let slices = try client.fetch(
                topic: topic, positions: wanted.map { (partitions[$0], positions[$0]) }, isolation: isolation,
                bytesMax: Self.fetchBytesMax, waitMs: round == 0 ? waitMs : 0)
            var moved = false
            for (index, slice) in zip(wanted, slices) where remaining > 0 {
                let position = positions[index]
                let until = stops?[index] ?? .max
                if slice.isEmpty {
                    // At the end or the last stable offset, or compaction
                    // removed every offset from here to the end.
                    positions[index] = Swift.max(position, Swift.min(slice.nextOffset, until))
                    moved = moved || positions[index] != position
                    continue
                }
                let records = RecordBatch(recordCapacity: Swift.max(1, Swift.min(remaining, 4096)))
                var offsets: [Int64]? = collectsOffsets ? [] : nil
                do {
                    positions[index] = Swift.max(position, try slice.decodeRecords(
                        into: records, from: position, until: until, recordsMax: remaining, offsets: &offsets,
                        checksumsVerified: client.fetchedBatchesAreVerified))
                } catch {
                    throw LogClientError(.failed, "topic \(topic) partition \(partitions[index]): the batch at or after "
                        + "offset \(position) cannot be decoded: \(error)")
                }
                moved = moved || positions[index] != position
                guard records.count > 0 else { continue }
                remaining -= records.count
                chunks.append(Chunk(
                    partition: partitions[index], records: records, offsets: offsets ?? [], nextOffset: positions[index]))
            }
            if !chunks.isEmpty || !moved { break }
        }
        return chunks
    }

    /// Commits every partition's position for `group`.
    public func commit(group: String) throws {
        try client.commit(group: group, topic: topic, offsets: partitions.indices.map { (partitions[$0], positions[$0]) })
    }
}
