import Foundation
import Testing
import TestKit

/// What survives a crash of `streamhost serve` (SIGKILL) with real
/// clients connected: committed group offsets with their metadata, the
/// transactional ids' producer ids and epochs, and open transactions.
/// Group membership does not (as after a Kafka coordinator failover): the
/// members find out from UNKNOWN_MEMBER_ID and rejoin.
@Suite struct ServeRestartTests {
    /// Sets everything up (a member that committed offset 40 and read on
    /// to 59, a committed and an open transaction of 'kept', an open one
    /// of 'resumed', a second instance of 'handover' that only called
    /// InitProducerId), writes `ready`, waits for the test to crash and
    /// restart the server and write `restarted`, then checks from the
    /// clients' side and prints a JSON report.
    static let script = """
        import json, os, sys, time
        from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException, KafkaError
        from confluent_kafka.admin import AdminClient, NewTopic
        bootstrap, state = sys.argv[1], sys.argv[2]
        def mark(name):
            open(os.path.join(state, name), 'w').close()
        def wait_for(name, seconds=120):
            deadline = time.time() + seconds
            while not os.path.exists(os.path.join(state, name)):
                if time.time() > deadline: sys.exit('no %s within %d s' % (name, seconds))
                time.sleep(0.05)
        admin = AdminClient({'bootstrap.servers': bootstrap})
        for future in admin.create_topics([NewTopic('events', 1, 1), NewTopic('tx', 1, 1)]).values(): future.result()
        plain = Producer({'bootstrap.servers': bootstrap})
        for i in range(100): plain.produce('events', value=str(i))
        plain.flush(30)

        # A group member that reads 40 records and commits offset 40.
        events = []
        member = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'g', 'enable.auto.commit': False,
                           'auto.offset.reset': 'earliest', 'session.timeout.ms': 10000,
                           'heartbeat.interval.ms': 300})
        member.subscribe(['events'], on_assign=lambda consumer, partitions: events.append('assign'))
        seen = []
        while len(seen) < 40:
            message = member.poll(1)
            if message is None: continue
            if message.error(): sys.exit(str(message.error()))
            seen.append(message.offset())
        member.commit(offsets=[TopicPartition('events', 0, 40, metadata='read-40')], asynchronous=False)
        # It reads on to 59 without committing: after the rejoin it must
        # start again at 40, not go on at 60.
        while len(seen) < 60:
            message = member.poll(1)
            if message is None: continue
            if message.error(): sys.exit(str(message.error()))
            seen.append(message.offset())

        # Transactional producers: 'kept' commits one transaction and leaves
        # a second open; 'resumed' leaves one open that it commits after
        # the restart.
        def transactional(transactional_id):
            producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': transactional_id,
                                 'transaction.timeout.ms': 300000})
            producer.init_transactions(30)
            return producer
        kept = transactional('kept')
        kept.begin_transaction()
        for i in range(10): kept.produce('tx', value='committed-%d' % i)
        kept.commit_transaction(30)
        kept.begin_transaction()
        for i in range(10): kept.produce('tx', value='open-%d' % i)
        kept.flush(30)
        resumed = transactional('resumed')
        resumed.begin_transaction()
        for i in range(5): resumed.produce('tx', value='resumed-%d' % i)
        resumed.flush(30)
        # 'handover': a new instance's InitProducerId is all that happens
        # before the crash; the older instance must stay fenced after it.
        handover_old = transactional('handover')
        handover_old.begin_transaction()
        handover_old.produce('tx', value='handover-old')
        handover_old.commit_transaction(30)
        handover_new = transactional('handover')
        mark('ready')
        wait_for('restarted')

        report = {'seenBefore': seen == list(range(60))}
        # The member rejoins (its heartbeat finds no such member) and
        # starts again from the committed offset.
        events.append('restarted')
        first_after = None
        deadline = time.time() + 60
        while time.time() < deadline:
            message = member.poll(0.5)
            if message is None or message.error(): continue
            if events.count('assign') >= 2 and events.index('restarted') < len(events) - 1:
                first_after = message.offset()
                break
        report['memberAssigns'] = events.count('assign')
        report['memberFirstAfterRejoin'] = first_after
        member.close()

        # A new member of the group resumes at the committed offset.
        newcomer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'g', 'enable.auto.commit': False,
                             'auto.offset.reset': 'earliest'})
        committed = newcomer.committed([TopicPartition('events', 0)], timeout=30)[0]
        report['committed'] = [committed.offset, committed.metadata]
        newcomer.subscribe(['events'])
        first = None
        deadline = time.time() + 60
        while first is None and time.time() < deadline:
            message = newcomer.poll(1)
            if message is not None and not message.error(): first = message.offset()
        report['newcomerFirst'] = first
        newcomer.close()

        def transact(producer, values, begin=True):
            # True when committed, else whether the producer was fenced
            # (False) or the error (a string).
            try:
                if begin: producer.begin_transaction()
                for value in values: producer.produce('tx', value=value)
                producer.commit_transaction(30)
                return True
            except KafkaException as error:
                print('transaction failed:', error.args[0], file=sys.stderr)
                if error.args[0].code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                            KafkaError.INVALID_PRODUCER_EPOCH):
                    return False
                return str(error)
        # The open transaction of 'resumed' survived: its producer commits it.
        report['resumedCommitted'] = transact(resumed, [], begin=False)
        report['handoverOldCommitted'] = transact(handover_old, ['handover-zombie'])
        report['handoverNewCommitted'] = transact(handover_new, ['handover-new'])
        # A new instance of 'kept' gets a bumped epoch: the open
        # transaction is aborted and the old instance (whose transaction
        # is still open on its side) is fenced when it tries to finish it.
        successor = transactional('kept')
        report['zombieCommitted'] = transact(kept, ['zombie'], begin=False)
        successor.begin_transaction()
        for i in range(3): successor.produce('tx', value='successor-%d' % i)
        successor.commit_transaction(30)

        def read(isolation):
            consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + isolation,
                                 'isolation.level': isolation, 'enable.partition.eof': True,
                                 'enable.auto.commit': False})
            consumer.assign([TopicPartition('tx', 0, 0)])
            values = []
            while True:
                message = consumer.poll(10)
                if message is None: sys.exit('%s: no end of partition within 10 s' % isolation)
                if message.error():
                    if message.error().code() == KafkaError._PARTITION_EOF: break
                    sys.exit(str(message.error()))
                values.append(message.value().decode())
            consumer.close()
            return values
        report['readCommitted'] = read('read_committed')
        report['readUncommitted'] = sorted(read('read_uncommitted'))
        print(json.dumps(report))
        """

    @Test func offsetsTransactionsAndOpenTransactionsSurviveACrash() async throws {
        let scratch = try TemporaryDirectory(prefix: "serve-restart")
        let data = scratch.file("data")
        let state = scratch.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let first = try ServeProcess(dataDir: data, scratch: scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("restart.py", Self.script)
        let clients = try BackgroundScript(python, [script, first.bootstrap, state], scratch: scratch)
        #expect(
            try await clients.wait(seconds: 180) { FileManager.default.fileExists(atPath: state + "/ready") },
            "\(clients.errors)\n\(first.log)")
        first.crash()
        let second = try ServeProcess(dataDir: data, scratch: scratch, listenPort: first.port)
        _ = FileManager.default.createFile(atPath: state + "/restarted", contents: nil)
        let status = try await clients.finish(seconds: 300)
        #expect(status == 0, "\(clients.errors)\n\(second.log)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(clients.output.utf8)) as? [String: Any],
            "\(clients.output)\n\(clients.errors)")
        #expect(report["seenBefore"] as? Bool == true)
        // Membership: lost with the crash, regained by rejoining.
        #expect((report["memberAssigns"] as? Int ?? 0) >= 2, "\(report)")
        #expect(report["memberFirstAfterRejoin"] as? Int == 40, "\(report)")
        // Offsets and their metadata.
        #expect(report["committed"] as? [AnyHashable] == [40, "read-40"], "\(report)")
        #expect(report["newcomerFirst"] as? Int == 40, "\(report)")
        // Transactions.
        #expect(report["resumedCommitted"] as? Bool == true, "\(report)")
        #expect(report["zombieCommitted"] as? Bool == false, "\(report)")
        // An InitProducerId alone before the crash still fences the older
        // instance after it.
        #expect(report["handoverOldCommitted"] as? Bool == false, "\(report)")
        #expect(report["handoverNewCommitted"] as? Bool == true, "\(report)")
        let committed = (0..<10).map { "committed-\($0)" } + (0..<5).map { "resumed-\($0)" }
            + ["handover-old", "handover-new"] + (0..<3).map { "successor-\($0)" }
        #expect(report["readCommitted"] as? [String] == committed, "\(report)")
        let everything = (committed + (0..<10).map { "open-\($0)" }).sorted()
        #expect(report["readUncommitted"] as? [String] == everything, "\(report)")
        #expect(second.stop() == 0, "\(second.log)")
    }
}
