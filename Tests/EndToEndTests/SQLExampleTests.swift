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

    /// Produces each line of `path` to `topic`, the record's timestamp left
    /// to the client (the time it is sent): event time must come from the
    /// value's `event_time`, as the articles' WATERMARK FOR says.
    static let producer = """
        import sys
        from confluent_kafka import Producer
        bootstrap, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
        producer = Producer({'bootstrap.servers': bootstrap})
        for line in open(path):
            line = line.strip()
            if not line: continue
            producer.produce(topic, line.encode())
        if producer.flush(60) != 0: sys.exit('records left unsent')
        """

    /// Records the log source cannot stamp: no event_time, and one that is no time.
    static let badOrders = [
        #"{"order_id":90,"customer_id":7,"amount":1.00}"#,
        #"{"order_id":91,"customer_id":7,"amount":1.00,"event_time":"soon"}"#,
    ]

    @Test func theSeedQueryReadsTheKafkaTopicThroughServe() throws {
        let scratch = try TemporaryDirectory(prefix: "sql-example-kafka")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        defer { _ = server.stop() }
        let created = try CLI.run(["topics", "create", "orders", "--partitions", "1", "--data-dir", data])
        #expect(created.status == 0, "\(created.standardError)")
        let orders = try String(contentsOfFile: Self.example + "/orders.jsonl", encoding: .utf8)
        let input = try scratch.write("orders.jsonl", orders + Self.badOrders.joined(separator: "\n") + "\n")
        let produced = try KafkaClients.run(try KafkaClients.python(), ["-c", Self.producer, server.bootstrap, "orders", input])
        #expect(produced.status == 0, "\(produced.standardError)")

        let deadLetters = scratch.file("dead.jsonl")
        let outcome = try CLI.run(["sql", Self.example + "/orders-kafka.sql", "--data-dir", data, "--dead-letter", deadLetters],
                                  in: scratch.path, timeoutSeconds: 120)
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        // The windows of the orders' own times, not of when they were sent.
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init).sorted() == Self.totals)
        let rejected = try CLI.lines(deadLetters).map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["step"]!): \(object["reason"]!)"
        }
        #expect(rejected == [
            "orders: log source: topic 'orders' partition 0: timestamp field 'event_time' is missing",
            "orders: log source: topic 'orders' partition 0: timestamp field 'event_time' is not a time: use an integer of "
                + "milliseconds since the Unix epoch, or an ISO 8601 / RFC 3339 date-time such as 2026-01-01T00:00:00Z, "
                + "2026-01-01T00:00:00.250+02:00 or 2026-01-01T00:00:00 (no zone: UTC)",
        ], "\(rejected)")
    }
}
