import Core
import Foundation
import KafkaClient
import Log
import Testing
import TestKit

/// The log's `LogClient` through a running server against the same log
/// opened directly: `TopicReader` sees the same records either way, and a
/// job's transactions map onto Kafka's (InitProducerId, AddPartitionsToTxn,
/// EndTxn, DescribeTransactions, ListTransactions).
@Suite(.serialized, .timeLimit(.minutes(1))) struct ServerLogClientTests {
    static func records(_ values: [String]) -> RecordBatch {
        let batch = RecordBatch(recordCapacity: values.count)
        for (index, value) in values.enumerated() {
            Array("k\(index)".utf8).withUnsafeBytes { key in
                Array(value.utf8).withUnsafeBytes { batch.append(timestamp: 1_700_000_000_000 + Int64(index), key: key, value: $0) }
            }
        }
        return batch
    }

    /// Every value a reader reads, with its partition and offset.
    static func readAll(_ client: any LogClient, isolation: IsolationLevel) throws -> [String] {
        let reader = try TopicReader(
            client: client, topic: "t", start: .earliest, isolation: isolation, bounded: true, collectsOffsets: true)
        var seen: [String] = []
        while true {
            let chunks = try reader.read(recordsMax: 3)
            if chunks.isEmpty { break }
            for chunk in chunks {
                for index in 0..<chunk.records.count {
                    let value = chunk.records.withRecord(at: index) { _, _, value in String(decoding: value!, as: UTF8.self) }
                    seen.append("\(chunk.partition)@\(chunk.offsets[index]) \(value)")
                }
            }
        }
        #expect(reader.isFinished)
        return seen
    }

    @Test func transactionsMapOntoKafkasAndReadersSeeWhatTheDirectLogShows() async throws {
        let running = try await RunningServer()
        let port = running.port
        let direct = DirectLogClient(directory: running.fixture.data)
        try await offPool {
            let server = ServerLogClient(host: "127.0.0.1", port: port)
            defer { server.close() }
            try server.ensureTopic("t", partitions: 2)
            try server.ensureTopic("t", partitions: 2)  // exists: nothing to do
            #expect(try server.partitionCount(topic: "t") == 2)
            #expect(throws: LogError.self) { try server.partitionCount(topic: "missing") }

            // Idempotent appends, then a transaction committed after a
            // "restart" (another client resumes it), one aborted, one left
            // open and aborted by prefix.
            #expect(try server.append(topic: "t", partition: 0, records: Self.records(["a", "b"])) == 0)
            #expect(try server.append(topic: "t", partition: 0, records: Self.records(["c"])) == 2)
            let first = try server.beginTransaction(transactionalId: "job/out/0-0")
            _ = try first.append(topic: "t", partition: 0, records: Self.records(["t1", "t2"]))
            _ = try first.append(topic: "t", partition: 1, records: Self.records(["t3"]))
            let aborted = try server.beginTransaction(transactionalId: "job/out/1-0")
            _ = try aborted.append(topic: "t", partition: 1, records: Self.records(["gone"]))
            try aborted.abort()

            let restarted = ServerLogClient(host: "127.0.0.1", port: port)
            defer { restarted.close() }
            let resumed = try #require(try restarted.resumeTransaction(transactionalId: "job/out/0-0"))
            let refused = #expect(throws: LogClientError.self) {
                try resumed.append(topic: "t", partition: 0, records: Self.records(["more"]))
            }
            #expect(refused?.kind == .invalid)
            #expect(refused?.message.contains("can commit or abort it but not append to it") == true)
            try resumed.commit()
            #expect(try restarted.resumeTransaction(transactionalId: "job/out/0-0") == nil, "committed: nothing to resume")
            #expect(try restarted.resumeTransaction(transactionalId: "never-begun") == nil)

            let open = try restarted.beginTransaction(transactionalId: "job/out/0-1")
            _ = try open.append(topic: "t", partition: 0, records: Self.records(["open"]))
            let other = try restarted.beginTransaction(transactionalId: "other/x")
            _ = try other.append(topic: "t", partition: 1, records: Self.records(["other"]))
            #expect(try restarted.abortOpenTransactions(prefix: "job/") == ["job/out/0-1"])
            try other.commit()

            let committed = try Self.readAll(server, isolation: .readCommitted)
            #expect(committed.map { $0.split(separator: " ")[1] } .sorted() == ["a", "b", "c", "other", "t1", "t2", "t3"])
            #expect(try Self.readAll(server, isolation: .readCommitted) == Self.readAll(direct, isolation: .readCommitted))
            let everything = try Self.readAll(server, isolation: .readUncommitted)
            #expect(everything.count == 9)
            #expect(everything == (try Self.readAll(direct, isolation: .readUncommitted)))

            // Group offsets go through OffsetCommit/OffsetFetch.
            try server.commit(group: "g", topic: "t", offsets: [(0, 3), (1, 1)])
            #expect(try restarted.committedOffsets(group: "g", topic: "t", partitions: [0, 1]) == [0: 3, 1: 1])
        }
        try await running.stop()
    }
}
