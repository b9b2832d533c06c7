import Foundation
import Testing
import TestKit

/// examples/sql-orders: the seed articles' table and windowed query, from
/// a JSON-lines file and from a topic of `streamhost serve` written by a
/// real Kafka client.
@Suite("SQL examples")
struct SQLExampleTests {
    static let example = BuildProducts.packageRoot + "/examples/sql-orders"

    /// The seed query's rows over examples/sql-orders/orders.jsonl.
    static let totals = [
        #"{"customer_id":7,"EXPR$1":"2026-01-01 10:00:00","EXPR$2":2,"EXPR$3":15.75}"#,
        #"{"customer_id":7,"EXPR$1":"2026-01-01 11:00:00","EXPR$2":1,"EXPR$3":1.00}"#,
        #"{"customer_id":8,"EXPR$1":"2026-01-01 10:00:00","EXPR$2":2,"EXPR$3":22.50}"#,
        #"{"customer_id":8,"EXPR$1":"2026-01-01 11:00:00","EXPR$2":1,"EXPR$3":120.00}"#,
    ]

    @Test func theSeedQueryRunsOnTheFilesystemConnector() throws {
        let scratch = try TemporaryDirectory(prefix: "sql-example")
        let outcome = try CLI.run(["sql", Self.example + "/orders.sql", "--data-dir", scratch.file("data")], in: Self.example)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init).sorted() == Self.totals)
    }

    /// Produces each line of `path` to `topic` with the record's timestamp
    /// set to the order's `event_time` (UTC).
    static let producer = """
        import sys, json
        from datetime import datetime, timezone
        from confluent_kafka import Producer
        bootstrap, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
        producer = Producer({'bootstrap.servers': bootstrap})
        for line in open(path):
            line = line.strip()
            if not line: continue
            time = datetime.strptime(json.loads(line)['event_time'], '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc)
            producer.produce(topic, line.encode(), timestamp=int(time.timestamp() * 1000))
        if producer.flush(60) != 0: sys.exit('records left unsent')
        """

    @Test func theSeedQueryReadsTheKafkaTopicThroughServe() throws {
        let scratch = try TemporaryDirectory(prefix: "sql-example-kafka")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        defer { _ = server.stop() }
        let created = try CLI.run(["topics", "create", "orders", "--partitions", "1", "--data-dir", data])
        #expect(created.status == 0, "\(created.standardError)")
        let produced = try KafkaClients.run(try KafkaClients.python(),
                                            ["-c", Self.producer, server.bootstrap, "orders", Self.example + "/orders.jsonl"])
        #expect(produced.status == 0, "\(produced.standardError)")

        let outcome = try CLI.run(["sql", Self.example + "/orders-kafka.sql", "--data-dir", data], in: scratch.path,
                                  timeoutSeconds: 120)
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init).sorted() == Self.totals)

        // The articles' own DDL, with the watermark on a column of the value, says why not.
        let text = try String(contentsOfFile: Self.example + "/orders-kafka.sql", encoding: .utf8)
            .replacingOccurrences(of: "WATERMARK FOR ts AS ts", with: "WATERMARK FOR event_time AS event_time")
            .replacingOccurrences(of: "(ts, INTERVAL", with: "(event_time, INTERVAL")
        let asWritten = try scratch.write("as-written.sql", text)
        let refused = try CLI.run(["sql", "--explain", asWritten, "--data-dir", data])
        #expect(refused.status == 2)
        #expect(refused.standardError.hasPrefix(
            "error: \(asWritten):13:19: a watermark on event_time, a column of the kafka record's value (not yet supported)"),
            "\(refused.standardError)")
    }
}
