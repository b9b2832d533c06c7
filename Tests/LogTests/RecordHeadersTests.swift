import Columns
import Core
import Testing
import TestKit
@testable import Log

/// Kafka record headers between the log and a job's batches (ABI 1.3,
/// `ColumnarValues.headers`): a reader hands the stored headers on as the
/// batch's headers column, and a batch's headers column is written into
/// the records it appends.
@Suite("Record headers")
struct RecordHeadersTests {
    typealias Headers = [RecordHeader]

    /// A headers column with one row per entry of `rows`.
    static func column(_ rows: [Headers]) -> Column {
        let column = Column(ColumnarValues.headersType)
        let pairs = column.children[0]
        for headers in rows {
            for header in headers {
                Array(header.key.utf8).withUnsafeBytes { pairs.children[0].append(bytes: $0) }
                if let value = header.value {
                    value.withUnsafeBytes { pairs.children[1].append(bytes: $0) }
                } else {
                    pairs.children[1].appendNull()
                }
                pairs.appendStruct()
            }
            column.appendList()
        }
        return column
    }

    /// The headers of each row of a headers column.
    static func rows(_ column: Column) -> [Headers] {
        let pairs = column.children[0]
        return (0..<column.length).map { row in
            column.listRange(at: row).map { entry in
                let at = pairs.childRow(entry)
                return RecordHeader(
                    key: String(decoding: pairs.children[0].bytes(at: at), as: UTF8.self),
                    value: pairs.children[1].isNull(at) ? nil : Array(pairs.children[1].bytes(at: at)))
            }
        }
    }

    static let stored: [Headers] = [
        [],
        [RecordHeader(key: "trace", value: Array("a-1".utf8)), RecordHeader(key: "empty", value: nil)],
        [RecordHeader(key: "bin", value: [0, 255, 10]), RecordHeader(key: "bin", value: []),
         RecordHeader(key: "", value: Array("no key name".utf8))],
    ]

    @Test("a reader's batch carries the stored headers as its headers column")
    func readerKeepsHeaders() throws {
        let scratch = try TemporaryDirectory(prefix: "record-headers")
        let data = try DataDirectory.open(path: scratch.file("data"))
        defer { withExtendedLifetime(scratch) { try? data.close() } }
        let topic = try data.createTopic(name: "h", partitions: 1, config: TopicConfig(["flush.mode": "never"]))
        var first = try RecordBatchV2.encode(Self.stored.enumerated().map { index, headers in
            LogRecord(timestamp: Int64(index), key: nil, value: Array("v\(index)".utf8), headers: headers)
        })
        try topic.partitions[0].append(&first)
        // A later stored batch without headers: its records get empty lists.
        var second = try RecordBatchV2.encode([LogRecord(timestamp: 9, key: Array("k".utf8), value: Array("v3".utf8))])
        try topic.partitions[0].append(&second)

        let reader = try TopicReader(client: DirectLogClient(directory: data), topic: "h", start: .earliest,
                                     isolation: .readCommitted, bounded: true)
        let chunks = try reader.read(recordsMax: 100)
        #expect(chunks.count == 1)
        let records = try #require(chunks.first?.records)
        #expect(records.count == 4)
        let headers = try #require(records.columnar?.headers, "the batch has no headers column")
        #expect(records.columnar?.values == nil, "the values stay bytes")
        #expect(Self.rows(headers) == Self.stored + [[]])

        // Starting past the records with headers: a plain byte batch.
        let later = try TopicReader(client: DirectLogClient(directory: data), topic: "h", start: .offset(3),
                                    isolation: .readCommitted, bounded: true)
        let plain = try #require(try later.read(recordsMax: 100).first?.records)
        #expect(plain.count == 1)
        #expect(plain.columnar == nil)
    }

    @Test("a batch's headers column is written into its records, a range included")
    func encoderWritesHeaders() throws {
        let batch = RecordBatch()
        for index in 0..<Self.stored.count {
            Array("v\(index)".utf8).withUnsafeBytes { batch.append(timestamp: Int64(index), key: nil, value: $0) }
        }
        batch.columnar = ColumnarValues(schema: Schema([]), values: nil, headers: Self.column(Self.stored))

        let whole = try RecordBatchV2.encode(batch)
        let decoded = try whole.withUnsafeBytes { try RecordBatchV2.decode($0) }
        #expect(decoded.map(\.headers) == Self.stored)

        let tail = try RecordBatchV2.encode(batch, records: 1..<3)
        let decodedTail = try tail.withUnsafeBytes { try RecordBatchV2.decode($0) }
        #expect(decodedTail.map(\.headers) == Array(Self.stored[1..<3]))
        #expect(decodedTail.map { String(decoding: $0.value!, as: UTF8.self) } == ["v1", "v2"])

        // Without a headers column the records have none, as before.
        let plain = RecordBatch()
        Array("x".utf8).withUnsafeBytes { plain.append(timestamp: 0, key: nil, value: $0) }
        let plainDecoded = try RecordBatchV2.encode(plain).withUnsafeBytes { try RecordBatchV2.decode($0) }
        #expect(plainDecoded.map(\.headers) == [[]])
    }
}
