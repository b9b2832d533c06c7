import Core
import Foundation
import Testing
import TestKit
@testable import Log

/// The one consumer of the log over the directly opened log: starts,
/// group offsets, bounded stops under each isolation, and fairness
/// between partitions.
@Suite struct TopicReaderTests {
    /// A data directory with topic "t" of two partitions, `count` records
    /// "p<partition>-<i>" in each, one batch per record.
    static func directory(count: Int) throws -> (TemporaryDirectory, DataDirectory) {
        let scratch = try TemporaryDirectory(prefix: "topic-reader")
        let data = try DataDirectory.open(path: scratch.file("data"))
        let topic = try data.createTopic(name: "t", partitions: 2, config: TopicConfig(["flush.mode": "never"]))
        for partition in 0..<2 {
            for index in 0..<count {
                var batch = try RecordBatchV2.encode([
                    LogRecord(timestamp: Int64(index), key: nil, value: Array("p\(partition)-\(index)".utf8)),
                ])
                try topic.partitions[partition].append(&batch)
            }
        }
        return (scratch, data)
    }

    static func values(_ chunks: [TopicReader.Chunk]) -> [String] {
        chunks.flatMap { chunk in
            (0..<chunk.records.count).map { index in
                chunk.records.withRecord(at: index) { _, _, value in String(decoding: value!, as: UTF8.self) }
            }
        }
    }

    @Test func everyPartitionMovesWhenReadsAreSmallerThanOnePartitionsRecords() throws {
        let (scratch, data) = try Self.directory(count: 50)
        defer { withExtendedLifetime(scratch) { try? data.close() } }
        let reader = try TopicReader(
            client: DirectLogClient(directory: data), topic: "t", start: .earliest, isolation: .readCommitted, bounded: true)
        let first = try reader.read(recordsMax: 10)
        let second = try reader.read(recordsMax: 10)
        #expect(Set((first + second).map(\.partition)) == [0, 1], "both partitions were read within two reads")
        var all = Self.values(first + second)
        while true {
            let chunks = try reader.read(recordsMax: 10)
            if chunks.isEmpty { break }
            all += Self.values(chunks)
        }
        #expect(all.sorted() == (0..<2).flatMap { partition in (0..<50).map { "p\(partition)-\($0)" } }.sorted())
        #expect(reader.isFinished)
    }

    @Test func anOffsetOutsideAPartitionNamesEveryRangeAndAGroupCommitWins() throws {
        let (scratch, data) = try Self.directory(count: 5)
        defer { withExtendedLifetime(scratch) { try? data.close() } }
        let client = DirectLogClient(directory: data)
        let refused = #expect(throws: TopicReader.StartOutOfRange.self) {
            try TopicReader(client: client, topic: "t", start: .offset(9), isolation: .readCommitted, bounded: true)
        }
        #expect(refused?.ranges.map { "\($0.partition): \($0.start)..<\($0.end)" } == ["0: 0..<5", "1: 0..<5"])
        #expect("\(refused!)".hasPrefix("offset 9 is out of range for topic t, partition 0"))

        // The group's commit on partition 1 wins over the start; partition 0
        // (no commit) starts at the offset, which is checked there only.
        try client.commit(group: "g", topic: "t", offsets: [(1, 3)])
        let reader = try TopicReader(
            client: client, topic: "t", start: .offset(4), group: "g", isolation: .readCommitted, bounded: true)
        #expect(reader.positions == [4, 3])
        #expect(throws: LogError.self) {
            try TopicReader(client: client, topic: "t", partitions: [2], start: .earliest, isolation: .readCommitted, bounded: true)
        }
    }

    @Test func aBoundedReaderStopsAtTheLastStableOffsetWhenReadingCommitted() throws {
        let (scratch, data) = try Self.directory(count: 3)
        defer { withExtendedLifetime(scratch) { try? data.close() } }
        let transaction = try data.transactions.begin(transactionalId: "open")
        _ = try data.transactions.append(transaction, topic: "t", partition: 0, records: [
            LogRecord(timestamp: 0, key: nil, value: Array("open".utf8)),
        ])
        var after = try RecordBatchV2.encode([LogRecord(timestamp: 0, key: nil, value: Array("after".utf8))])
        try data.topic(named: "t").partitions[0].append(&after)
        let client = DirectLogClient(directory: data)
        func readAll(_ isolation: IsolationLevel) throws -> [String] {
            let reader = try TopicReader(
                client: client, topic: "t", partitions: [0], start: .earliest, isolation: isolation, bounded: true)
            var values: [String] = []
            while true {
                let chunks = try reader.read(recordsMax: 100)
                if chunks.isEmpty { break }
                values += Self.values(chunks)
            }
            return values
        }
        #expect(try readAll(.readCommitted) == ["p0-0", "p0-1", "p0-2"])
        #expect(try readAll(.readUncommitted) == ["p0-0", "p0-1", "p0-2", "open", "after"])
        try data.transactions.commit(transaction)
        #expect(try readAll(.readCommitted) == ["p0-0", "p0-1", "p0-2", "open", "after"])
    }
}
