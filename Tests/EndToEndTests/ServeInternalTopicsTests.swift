import Foundation
import Testing
import TestKit

/// The internal topics as real clients see them: listed, marked internal,
/// and not writable by a producer.
@Suite struct ServeInternalTopicsTests {
    static let script = """
        import json, sys
        from confluent_kafka import Producer, KafkaError
        from kafka.admin import KafkaAdminClient
        bootstrap = sys.argv[1]
        # A committed transaction makes __transaction_state (and the
        # auto-created topic 'orders').
        transactional = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'maker'})
        transactional.init_transactions(30)
        transactional.begin_transaction()
        transactional.produce('orders', value='x')
        transactional.commit_transaction(30)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        internal = {topic['topic']: topic['is_internal'] for topic in admin.describe_topics()}
        admin.close()
        outcomes = {}
        producer = Producer({'bootstrap.servers': bootstrap, 'message.send.max.retries': 0})
        def delivered(error, message):
            outcomes[message.topic()] = 'NO_ERROR' if error is None else error.name()
        for topic in ['__consumer_offsets', '__transaction_state', 'orders']:
            producer.produce(topic, key='k', value='v', on_delivery=delivered)
        producer.flush(30)
        print(json.dumps({'internal': internal, 'produce': outcomes}))
        """

    @Test func clientsSeeInternalTopicsAndCannotProduceToThem() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-internal")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("internal.py", Self.script)
        let outcome = try KafkaClients.run(python, [script, server.bootstrap])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
            "\(outcome.standardOutput)\n\(outcome.standardError)")
        #expect(report["internal"] as? [String: Bool]
            == ["__consumer_offsets": true, "__transaction_state": true, "orders": false], "\(report)")
        #expect(report["produce"] as? [String: String]
            == ["__consumer_offsets": "TOPIC_EXCEPTION", "__transaction_state": "TOPIC_EXCEPTION", "orders": "NO_ERROR"],
            "\(report)")
        #expect(server.stop() == 0, "\(server.log)")
    }
}
