import Foundation
import Testing
import TestKit

/// Idempotent producers against `streamhost serve`: confluent-kafka with
/// `enable.idempotence=true` (InitProducerId, sequence-checked Produce).
@Suite struct ServeIdempotenceTests {
    static let script = """
        import sys, json
        from confluent_kafka import Producer, Consumer, TopicPartition
        from confluent_kafka.admin import AdminClient, NewTopic
        bootstrap, total = sys.argv[1], int(sys.argv[2])
        admin = AdminClient({'bootstrap.servers': bootstrap})
        for future in admin.create_topics([NewTopic('keyed', 4, 1)]).values(): future.result()
        errors = []
        def delivered(error, message):
            if error: errors.append(str(error))
        for codec in ['lz4', 'zstd']:
            producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True,
                                 'compression.type': codec, 'linger.ms': 20})
            half = total // 2
            start = 0 if codec == 'lz4' else half
            for i in range(start, start + half):
                while True:
                    try:
                        producer.produce('keyed', key=str(i % 1000), value=str(i), on_delivery=delivered)
                        break
                    except BufferError:
                        producer.poll(0.1)
            producer.flush()
        if errors: sys.exit('delivery failed: %s' % errors[:5])
        consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'check', 'enable.auto.commit': False})
        partitions = [TopicPartition('keyed', p, 0) for p in range(4)]
        consumer.assign(partitions)
        ends = sum(consumer.get_watermark_offsets(p)[1] for p in partitions)
        values, last_by_key, ordered = [], {}, True
        while len(values) < ends:
            batch = consumer.consume(num_messages=10000, timeout=2)
            if not batch: break
            for message in batch:
                if message.error(): sys.exit(str(message.error()))
                value, key = int(message.value()), message.key()
                if last_by_key.get(key, -1) > value: ordered = False
                last_by_key[key] = value
                values.append(value)
        consumer.close()
        print(json.dumps({'ends': ends, 'consumed': len(values), 'distinct': len(set(values)), 'ordered': ordered}))
        """

    @Test func confluentIdempotentProducerStoresEveryRecordOnce() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-idempotent")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("idempotent.py", Self.script)
        let total = 1_000_000
        let outcome = try KafkaClients.run(python, [script, server.bootstrap, String(total)])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
            "\(outcome.standardOutput)")
        #expect(result["ends"] as? Int == total)
        #expect(result["consumed"] as? Int == total)
        #expect(result["distinct"] as? Int == total)
        #expect(result["ordered"] as? Bool == true)
        #expect(server.stop() == 0, "\(server.log)")
    }
}
