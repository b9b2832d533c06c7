import Foundation
import Testing
import TestKit

/// The window's planned reading of typed columns (`SliceInputs`) hands the
/// rows it does not read to the general path: a null sum field, a null
/// count field, a decimal beyond 18 digits (a Double, as its text is to the
/// byte path), next to rows it reads (decimals whose trailing zeros the
/// byte path drops, zero, negative values). The results and the reasons of
/// the rejected records are the byte path's.
@Suite("Columnar window rows", .serialized)
struct ColumnarWindowRowsTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "columnar-window-rows") }

    static let lines = [
        #"{"k":1,"ts":1,"amount":12.50,"qty":3}"#,
        #"{"k":1,"ts":2,"amount":3.5,"qty":null}"#,
        #"{"k":2,"ts":3,"amount":null,"qty":1}"#,
        #"{"k":2,"ts":4,"amount":123456789012345678.91,"qty":2}"#,
        #"{"k":2,"ts":5,"amount":0.25,"qty":2}"#,
        #"{"k":1,"ts":6,"amount":0.00,"qty":0}"#,
        #"{"k":3,"ts":7,"amount":-7,"qty":5}"#,
        #"{"k":3,"ts":8,"amount":-0.10,"qty":null}"#,
        #"{"k":1,"ts":15,"amount":1.25,"qty":1}"#,
        #"{"k":3,"ts":25,"amount":2,"qty":2}"#,
        #"{"k":2,"ts":26,"amount":null,"qty":null}"#,
    ]

    /// The job on columns (`schema:` declared: the window reads typed
    /// columns) or bytes; its results, sorted, and the reasons of its
    /// rejected records.
    func run(columns: Bool) throws -> (results: [String], reasons: [String], validate: String) {
        let name = columns ? "columns" : "bytes"
        let input = try directory.write("in-\(name).jsonl", Self.lines.joined(separator: "\n") + "\n")
        let output = directory.file("out-\(name).jsonl")
        let rejected = directory.file("rejected-\(name).jsonl")
        let schema = columns ? "\n    schema: {k: int64, ts: int64, amount: \"decimal(20,2)\", qty: int64}" : ""
        let job = try directory.write("\(name).yaml", """
            name: window-rows-\(name)
            dead_letter: \(rejected)
            pipeline:
              - id: in
                source: file
                config: {path: "\(input)", timestamp_field: ts}\(schema)
                watermarks: {strategy: ascending}
              - {id: by, key_by: k}
              - id: win
                operator: window
                config: {kind: tumbling, size_ms: 10, aggregates: [{fn: count, name: cnt}, {fn: count, field: qty},
                         {fn: sum, field: amount}, {fn: avg, field: amount}, {fn: min, field: amount}, {fn: max, field: k}]}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        let validate = try CLI.run(["validate", job])
        #expect(validate.status == 0, "\(validate.standardError)")
        let outcome = try CLI.run(["run", job, "--no-progress"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let reasons = CLI.lines(rejected).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["reason"] as? String
        }
        return (CLI.lines(output).sorted(), reasons.sorted(), validate.standardOutput)
    }

    @Test func rowsThePlannedReadingLeavesGiveTheByteResults() throws {
        let columns = try run(columns: true)
        let bytes = try run(columns: false)
        #expect(columns.validate.contains("step win: in columns"), "\(columns.validate)")
        #expect(bytes.validate.contains("step win: in bytes"), "\(bytes.validate)")
        #expect(bytes.results.count == 5, "\(bytes.results)")
        #expect(bytes.reasons.count == 2, "\(bytes.reasons)")
        #expect(columns.results == bytes.results)
        #expect(columns.reasons == bytes.reasons)
    }

    /// Windows with more keys than `ResultBatch.recordsMax` (1024) fire in
    /// several batches of results: every result once, in the byte path's
    /// bytes.
    @Test func windowsOfThousandsOfKeysFireEveryResultOnce() throws {
        var outputs: [Bool: [String]] = [:]
        for columns in [false, true] {
            let name = columns ? "many-columns" : "many-bytes"
            let output = directory.file("\(name).jsonl")
            let job = try directory.write("\(name).yaml", """
                name: \(name)
                pipeline:
                  - id: gen
                    source: datagen
                    config: {count: 9000, seed: 4, customers: 5000, time_step_ms: 1\(columns ? "" : ", value_size: 1")}
                    watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 0}
                  - {id: by-customer, key_by: customer_id}
                  - id: win
                    operator: window
                    config: {kind: tumbling, size_ms: 4000, aggregates: [{fn: count, name: cnt}, {fn: sum, field: amount}]}
                  - {id: out, sink: file, config: {path: "\(output)"}}
                """)
            let validate = try CLI.run(["validate", job])
            #expect(validate.standardOutput.contains("step win: in \(columns ? "columns" : "bytes")"),
                    "\(validate.standardOutput)")
            let outcome = try CLI.run(["run", job, "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            outputs[columns] = CLI.lines(output).sorted()
        }
        // Three windows of 4000 records over 5000 customers: ~2,700 keys each.
        #expect(outputs[false]!.count > 6000, "\(outputs[false]!.count)")
        #expect(outputs[true] == outputs[false])
    }
}
