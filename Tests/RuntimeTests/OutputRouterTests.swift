import Columns
import Core
import Foundation
import JSONText
import Testing
@testable import Runtime

/// The hash exchange of typed columns against the byte path's: each record
/// goes to the same target under the same key (the key group a key lands
/// in decides where its keyed state lives, so rescale and savepoints
/// depend on it), in the same order, and the records without a key go to
/// the dead letters on both paths.
struct OutputRouterTests {
    static let schema = Schema([
        Field("id", .int64), Field("amount", .decimal128(precision: 9, scale: 2)), Field("name", .utf8),
        Field("customer", .struct([Field("id", .int64)])),
    ])

    /// 300 records as JSON and as typed columns. Not `complete`: some
    /// with a null key or value, and a filter's selection of every row but
    /// each seventh; `complete`: every record keyed and selected (where
    /// key_by keys an integer column in bulk).
    static func batches(complete: Bool) -> (bytes: RecordBatch, columns: RecordBatch) {
        var values: [String?] = []
        for row in 0..<300 {
            switch complete ? 0 : row % 50 {
            case 13: values.append(#"{"id":null,"amount":null,"name":null,"customer":null}"#)
            case 29: values.append(nil)
            default:
                values.append(#"{"id":\#(row * 7919 % 1000 - 500),"amount":\#(row % 37).\#(row % 10)5,"#
                              + #""name":"n\#(row % 23)","customer":{"id":\#(row % 11)}}"#)
            }
        }
        let bytes = RecordBatch()
        for (row, value) in values.enumerated() {
            if let value {
                Array(value.utf8).withUnsafeBytes { bytes.append(timestamp: Int64(row), key: nil, value: $0) }
            } else {
                bytes.append(timestamp: Int64(row), key: nil, value: nil)
            }
        }
        let decoded = bytes.convertedToColumns(decoder: ColumnarJSONDecoder(schema: schema)) { _, failure in
            Issue.record("\(failure)")
        }
        let selection = complete ? nil : (0..<UInt32(300)).filter { $0 % 7 != 3 }
        let columns = RecordBatch()
        decoded.withColumns { c in
            columns.append(count: c.count, timestamps: c.timestamps, keyOffsets: c.keyOffsets, keys: c.keys,
                           valueOffsets: c.valueOffsets, values: c.values, flags: c.flags)
        }
        columns.columnar = ColumnarValues(schema: schema, values: decoded.columnar!.values, selection: selection)
        // The byte path sees the same records: the selected ones.
        return (columns.convertedToBytes(), columns)
    }

    /// Per target: each record's timestamp and key, in order.
    static func route(_ batch: RecordBatch, field: String, targets: Int, batchRecordsMax: Int,
                      deadLetters: DeadLetterWriter) throws -> [[String]] {
        let channels = (0..<targets).map { _ in Channel(capacity: 1000, inputIndex: 0) }
        let path = try JSONFieldPath(field)
        let edge = OutputRouter.Edge(exchange: .hash(.field(path, text: field), stepID: "by"), channels: channels,
                                     firstTarget: 0)
        let router = OutputRouter(edges: [edge], instance: 0, keyGroups: KeyGroups(maxParallelism: 128),
                                  batchRecordsMax: batchRecordsMax, deadLetters: deadLetters)
        router.route(batch)
        router.flushPartials()
        return channels.map { channel in
            var records: [String] = []
            while case .element(.batch(let out)) = channel.pop() {
                let rows = out.columnar?.selection.map { $0.map(Int.init) } ?? Array(0..<out.count)
                for row in rows {
                    out.withRecord(at: row) { timestamp, key, _ in
                        records.append("\(timestamp) \(key.map { String(decoding: $0, as: UTF8.self) } ?? "-")")
                    }
                }
            }
            return records
        }
    }

    @Test(arguments: ["id", "amount", "name", "customer.id"], [1, 2, 3])
    func typedKeysGoWhereTheBytePathSendsThem(field: String, targets: Int) throws {
        for complete in [false, true] { try expectSameRoutes(field: field, targets: targets, complete: complete) }
    }

    func expectSameRoutes(field: String, targets: Int, complete: Bool) throws {
        let (bytes, columns) = Self.batches(complete: complete)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let byteLetters = DeadLetterWriter(path: folder + "/bytes.jsonl", jobName: "router")
        let columnLetters = DeadLetterWriter(path: folder + "/columns.jsonl", jobName: "router")
        // A builder smaller than a target's share: the gather goes in chunks.
        let byPath = try Self.route(bytes, field: field, targets: targets, batchRecordsMax: 40, deadLetters: byteLetters)
        let byColumns = try Self.route(columns, field: field, targets: targets, batchRecordsMax: 40,
                                       deadLetters: columnLetters)
        let differing = zip(byColumns, byPath).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "targets \(differing) differ: \(byColumns.map(\.count)) against \(byPath.map(\.count)) records")
        #expect(byPath.joined().count > 200)
        if targets > 1 { #expect(byPath.allSatisfy { !$0.isEmpty }, "every target gets records") }
        // The key group of each key decides its target.
        let groups = KeyGroups(maxParallelism: 128)
        for (target, records) in byColumns.enumerated() {
            let misplaced = records.filter { record in
                let key = Array(record.split(separator: " ", maxSplits: 1)[1].utf8)
                return key.withUnsafeBytes { groups.instance(owning: groups.keyGroup(of: $0), parallelism: targets) } != target
            }
            #expect(misplaced.isEmpty, "target \(target) got \(misplaced.count) records of other targets")
        }
        #expect(byteLetters.count == columnLetters.count && (columnLetters.count > 0) == !complete)
    }
}
