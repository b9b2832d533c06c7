import Foundation
import Testing
import TestKit

/// Jobs that write and read topics through the `log` sink and source
/// plugins (the ABI's log services).
@Suite("Log plugins")
struct LogPluginTests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "log-plugins") }

    func cli(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data])
    }

    @Test func aJobWritesATopicAndAnotherReadsItBackWithAGroup() throws {
        #expect(try cli(["topics", "create", "orders", "--partitions", "3"]).status == 0)
        let write = try directory.write("write.yaml", """
            name: write-orders
            parallelism: 2
            pipeline:
              - {id: gen, source: datagen, config: {count: 20000, key: customer_id}}
              - {id: out, sink: log, config: {topic: orders}}
            """)
        let written = try cli(["run", write])
        #expect(written.status == 0, "\(written.standardError)")
        #expect(written.standardError.contains("20000 records in, 20000 into sinks"))

        // Keys land where Kafka's partitioner puts them: one customer, one partition.
        let consumed = try cli(["consume", "orders", "--from-beginning", "--format", "json"])
        let records = consumed.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.count == 20000)
        var partitionOfKey: [String: Int] = [:]
        for record in records {
            let key = record["key"] as! String
            #expect(partitionOfKey[key, default: record["partition"] as! Int] == record["partition"] as! Int)
            partitionOfKey[key] = record["partition"] as? Int
        }

        let reference = try Reference.orders(count: 20000, seed: 42, in: directory)
        let read = try directory.write("read.yaml", """
            name: read-orders
            parallelism: 2
            pipeline:
              - {id: in, source: log, config: {topic: orders, group: copier}}
              - {id: out, sink: file, config: {path: "\(directory.file("copy.jsonl"))"}, parallelism: 1}
            """)
        let first = try cli(["run", read])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(CLI.lines(directory.file("copy.jsonl")).sorted() == reference.sorted())
        let lag = try cli(["groups", "describe", "copier"])
        #expect(lag.standardOutput.contains("orders  0"))
        #expect(!lag.standardOutput.split(separator: "\n").dropFirst(2).contains { !$0.hasSuffix("  0") })

        // The group resumes where it stopped: a second run reads nothing new.
        let second = try cli(["run", read])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("0 records in"))
    }

    @Test func rejectedRecordsGoToTheJobsDeadLetterTopic() throws {
        let job = try directory.write("rejects.yaml", """
            name: rejecting
            pipeline:
              - {id: gen, source: datagen, config: {count: 30}}
              - {id: by, key_by: no_such_field}
              - {id: out, sink: blackhole, parallelism: 2}
            """)
        let run = try cli(["run", job])
        // key_by rejected every record it received: the run ends, with status 3.
        #expect(run.status == 3, "\(run.standardError)")
        #expect(run.standardError.contains("30 rejected (see topic rejecting.dlq"))
        let dlq = try cli(["consume", "rejecting.dlq", "--from-beginning", "--format", "json"])
        let records = dlq.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.count == 30)
        #expect(records.allSatisfy { $0["key"] as? String == "by" })
        let first = try #require((records.first?["value"] as? String).flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect(first["reason"] as? String == "key_by 'no_such_field': field 'no_such_field' is missing")
        #expect((first["value"] as? String)?.hasPrefix("{\"order_id\":") == true)
    }

    @Test func aMissingTopicFailsTheJobWithItsName() throws {
        let job = try directory.write("missing.yaml", """
            name: missing
            pipeline:
              - {id: in, source: log, config: {topic: nope}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try cli(["run", job])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("nope"))
        #expect(outcome.standardError.contains("step 'in' instance 0"))
    }
}
