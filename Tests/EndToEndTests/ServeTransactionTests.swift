import Foundation
import Testing
import TestKit

/// Transactional producers against `streamhost serve` with confluent-kafka:
/// commits and aborts interleaved, read_committed and read_uncommitted
/// readers, a zombie instance fenced, transaction.max.timeout.ms enforced.
@Suite struct ServeTransactionTests {
    static let script = """
        import sys, json
        from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException, KafkaError
        from confluent_kafka.admin import AdminClient, NewTopic
        bootstrap = sys.argv[1]
        admin = AdminClient({'bootstrap.servers': bootstrap})
        for future in admin.create_topics([NewTopic('tx', 2, 1)]).values(): future.result()
        config = {'bootstrap.servers': bootstrap, 'transactional.id': 'orders-tx', 'linger.ms': 5}
        first = Producer(config)
        first.init_transactions(30)
        for i in range(10):
            first.begin_transaction()
            for j in range(10):
                first.produce('tx', key='k%d' % j, value='t%d-%d' % (i, j))
            # Sent before the decision: an abort would otherwise drop
            # unsent records in the client and store nothing.
            first.flush(30)
            if i % 2 == 0:
                first.commit_transaction(30)
            else:
                first.abort_transaction(30)
        # A second instance with the same transactional.id fences the first.
        second = Producer(config)
        second.init_transactions(30)
        fenced = False
        try:
            first.begin_transaction()
            first.produce('tx', key='k0', value='zombie')
            first.commit_transaction(30)
        except KafkaException as error:
            fenced = error.args[0].code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                              KafkaError.INVALID_PRODUCER_EPOCH)
            print('zombie:', error.args[0], file=sys.stderr)
        second.begin_transaction()
        for j in range(5):
            second.produce('tx', key='k%d' % j, value='s-%d' % j)
        second.commit_transaction(30)
        # A timeout above transaction.max.timeout.ms is refused.
        refused = False
        try:
            Producer(dict(config, **{'transactional.id': 'long', 'transaction.timeout.ms': 600000})).init_transactions(30)
        except KafkaException as error:
            refused = error.args[0].code() == KafkaError.INVALID_TRANSACTION_TIMEOUT
            print('long timeout:', error.args[0], file=sys.stderr)
        def read(isolation):
            consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + isolation,
                                 'isolation.level': isolation, 'enable.partition.eof': True,
                                 'enable.auto.commit': False})
            consumer.assign([TopicPartition('tx', p, 0) for p in range(2)])
            values, ends = {0: [], 1: []}, set()
            while len(ends) < 2:
                message = consumer.poll(10)
                if message is None: sys.exit('%s: no end of partition within 10 s' % isolation)
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF:
                        ends.add(message.partition()); continue
                    sys.exit(str(message.error()))
                values[message.partition()].append(message.value().decode())
            consumer.close()
            return values
        committed, everything = read('read_committed'), read('read_uncommitted')
        def order(value):
            if value.startswith('s-'): return (100, int(value[2:]))
            i, j = value[1:].split('-')
            return (int(i), int(j))
        print(json.dumps({
            'committed': sorted(v for p in committed.values() for v in p),
            'committedInOrder': all(p == sorted(p, key=order) for p in committed.values()),
            'all': len([v for p in everything.values() for v in p]),
            'fenced': fenced, 'refused': refused}))
        """

    @Test func confluentTransactionsCommitAbortAndFenceZombies() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-transactions")
        let config = try scratch.write("server.yaml", "transaction.max.timeout.ms: 120000\n")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch, extraArguments: ["--config", config])
        let python = try KafkaClients.python()
        let script = try scratch.write("transactions.py", Self.script)
        let outcome = try KafkaClients.run(python, [script, server.bootstrap])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
            "\(outcome.standardOutput)\n\(outcome.standardError)")
        let expected = ((0..<10).filter { $0 % 2 == 0 }.flatMap { i in (0..<10).map { "t\(i)-\($0)" } } + (0..<5).map { "s-\($0)" })
            .sorted()
        #expect(result["committed"] as? [String] == expected)
        #expect(result["committedInOrder"] as? Bool == true)
        #expect(result["all"] as? Int == 105)
        #expect(result["fenced"] as? Bool == true, "\(outcome.standardError)")
        #expect(result["refused"] as? Bool == true, "\(outcome.standardError)")
        #expect(server.stop() == 0, "\(server.log)")
    }
}
