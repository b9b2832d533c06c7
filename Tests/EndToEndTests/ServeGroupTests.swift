import Foundation
import Testing
import TestKit

/// Consumer groups against `streamhost serve` with real clients: the
/// group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), the
/// committed offsets (OffsetCommit, OffsetFetch) and the admin calls
/// (ListGroups, DescribeGroups, DeleteGroups).
@Suite struct ServeGroupTests {
    /// A server whose groups rebalance at once (no initial delay), so
    /// joins mid-stream are not held for 3 s each.
    static func server(_ scratch: TemporaryDirectory) throws -> ServeProcess {
        let config = try scratch.write("server.yaml", "group.initial.rebalance.delay.ms: 0\nnum.partitions: 4\n")
        return try ServeProcess(dataDir: scratch.file("data"), scratch: scratch, extraArguments: ["--config", config])
    }

    /// Three confluent-kafka consumers in one group: the first starts
    /// alone, the second and third join while it consumes, the second
    /// leaves. Every record is consumed (at least once: a commit refused
    /// by a rebalance means a redelivery), and the committed offsets end at
    /// each partition's end.
    static let confluentGroupScript = """
        import sys, threading, time, json
        from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException
        bootstrap, total = sys.argv[1], int(sys.argv[2])
        producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5})
        for i in range(total):
            producer.produce('events', key=str(i % 97), value=str(i))
        producer.flush()
        seen, lock, stop = [], threading.Lock(), threading.Event()
        members = {}
        def run(name, leave):
            consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'g', 'client.id': name,
                                 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                                 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
            consumer.subscribe(['events'])
            while not stop.is_set() and not leave.is_set():
                batch = consumer.consume(num_messages=100, timeout=0.5)
                for message in batch:
                    if message.error(): sys.exit('%s: %s' % (name, message.error()))
                if batch:
                    with lock: seen.extend(int(m.value()) for m in batch)
                    try:
                        consumer.commit(asynchronous=False)
                    except KafkaException:
                        pass  # a rebalance: the records come again
                    time.sleep(0.02)
            consumer.close()
        def start(name):
            leave = threading.Event()
            thread = threading.Thread(target=run, args=(name, leave))
            thread.start()
            members[name] = (thread, leave)
        def wait_seen(count):
            deadline = time.time() + 60
            while time.time() < deadline:
                with lock:
                    if len(set(seen)) >= count: return
                time.sleep(0.05)
            sys.exit('only %d of %d records consumed' % (len(set(seen)), count))
        start('c1'); wait_seen(total // 5)
        start('c2'); wait_seen(2 * total // 5)
        start('c3'); wait_seen(3 * total // 5)
        members['c2'][1].set(); members['c2'][0].join()
        wait_seen(total)
        probe = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'g'})
        partitions = [TopicPartition('events', p) for p in range(4)]
        ends = [probe.get_watermark_offsets(p)[1] for p in partitions]
        deadline = time.time() + 60
        while time.time() < deadline:
            committed = [p.offset for p in probe.committed(partitions, timeout=10)]
            if committed == ends: break
            time.sleep(0.2)
        stop.set()
        for thread, _ in members.values(): thread.join()
        probe.close()
        print(json.dumps({'distinct': len(set(seen)), 'min': min(seen), 'max': max(seen),
                          'ends': ends, 'committed': committed}))
        """

    @Test func confluentConsumersShareAGroupThroughJoinsAndLeaves() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-group")
        let server = try Self.server(scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("group.py", Self.confluentGroupScript)
        let outcome = try KafkaClients.run(python, [script, server.bootstrap, "20000"])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
            "\(outcome.standardOutput)")
        #expect(result["distinct"] as? Int == 20000)
        #expect(result["min"] as? Int == 0)
        #expect(result["max"] as? Int == 19999)
        let ends = result["ends"] as? [Int] ?? []
        #expect(ends.reduce(0, +) == 20000, "\(ends)")
        #expect(result["committed"] as? [Int] == ends)

        // The admin view of the same group, through the server: listed,
        // Empty once every member left, with its offsets.
        let admin = try KafkaClients.run(python, ["-c", """
            from kafka.admin import KafkaAdminClient
            admin = KafkaAdminClient(bootstrap_servers='\(server.bootstrap)')
            print(sorted(group for group, _ in admin.list_consumer_groups()))
            print(admin.describe_consumer_groups(['g'])[0].state)
            offsets = admin.list_consumer_group_offsets('g')
            print(sum(meta.offset for meta in offsets.values()))
            print([(group, error.__name__) for group, error in admin.delete_consumer_groups(['g'])])
            print(sorted(group for group, _ in admin.list_consumer_groups()))
            admin.close()
            """])
        #expect(admin.status == 0, "\(admin.standardError)\n\(server.log)")
        #expect(
            admin.standardOutput.split(separator: "\n").map(String.init)
                == ["['g']", "Empty", "20000", "[('g', 'NoError')]", "[]"], "\(admin.standardOutput)")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// A member that dies without leaving (SIGKILL) is removed when its
    /// session times out, and the survivor gets its partitions.
    @Test func aMemberThatStopsHeartbeatingIsRemoved() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-group-dead")
        let server = try Self.server(scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("dead.py", """
            import sys, time, subprocess, signal, threading
            from confluent_kafka import Consumer
            bootstrap = sys.argv[1]
            config = {'bootstrap.servers': bootstrap, 'group.id': 'd', 'session.timeout.ms': 6000,
                      'heartbeat.interval.ms': 500}
            def assigned(consumer, count, seconds):
                deadline = time.time() + seconds
                while time.time() < deadline:
                    consumer.poll(0.2)
                    if len(consumer.assignment()) == count: return True
                return False
            survivor = Consumer(dict(config, **{'client.id': 'survivor'}))
            survivor.subscribe(['events'])
            if not assigned(survivor, 4, 60): sys.exit('the first member never got all 4 partitions')
            doomed = subprocess.Popen([sys.executable, '-c', '''
            import sys, time
            from confluent_kafka import Consumer
            consumer = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'd', 'client.id': 'doomed',
                                 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
            consumer.subscribe(['events'])
            while len(consumer.assignment()) == 0: consumer.poll(0.2)
            print('assigned', flush=True)
            while True: consumer.poll(0.2)
            ''', bootstrap], stdout=subprocess.PIPE, text=True)
            # The survivor keeps polling (librdkafka rebalances in poll)
            # while the second member joins.
            lines = []
            threading.Thread(target=lambda: lines.append(doomed.stdout.readline().strip()), daemon=True).start()
            deadline = time.time() + 60
            while time.time() < deadline and not (lines and len(survivor.assignment()) == 2):
                survivor.poll(0.2)
            if lines != ['assigned'] or len(survivor.assignment()) != 2:
                sys.exit('the partitions were not split between the two members')
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
            # No LeaveGroup: only the session timeout removes it.
            print('reassigned' if assigned(survivor, 4, 60) else 'still split')
            survivor.close()
            """)
        // The topic first, with 4 partitions (num.partitions).
        let kcat = try KafkaClients.kcat()
        #expect(try KafkaClients.run(kcat, ["-b", server.bootstrap, "-P", "-t", "events"], input: "x\n").status == 0)
        let outcome = try KafkaClients.run(python, [script, server.bootstrap])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "reassigned")
        #expect(server.log.contains("no heartbeat within its session timeout"), "\(server.log)")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// kafka-python's group consumer (its own protocol code) and kcat -G
    /// (librdkafka's balanced consumer, committing on close) each read
    /// everything once, then resume from their committed offsets.
    @Test func kafkaPythonAndKcatGroupConsumersCommitAndResume() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-group-clients")
        let server = try Self.server(scratch)
        let kcat = try KafkaClients.kcat()
        let python = try KafkaClients.python()
        let lines = (0..<1000).map { "k\($0 % 13):\($0)" }.joined(separator: "\n") + "\n"
        #expect(try KafkaClients.run(kcat, ["-b", server.bootstrap, "-P", "-t", "events", "-K:"], input: lines).status == 0)

        let pythonConsumer = """
            from kafka import KafkaConsumer
            consumer = KafkaConsumer('events', bootstrap_servers='\(server.bootstrap)', group_id='kp',
                                     auto_offset_reset='earliest', enable_auto_commit=False)
            seen = []
            for _ in range(40):
                for records in consumer.poll(timeout_ms=500).values():
                    seen.extend(int(r.value) for r in records)
                if len(seen) >= 1000: break
            consumer.commit()
            consumer.close()
            print(len(seen), len(set(seen)))
            """
        let first = try KafkaClients.run(python, ["-c", pythonConsumer])
        #expect(first.status == 0, "\(first.standardError)\n\(server.log)")
        #expect(first.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "1000 1000")
        let again = try KafkaClients.run(python, ["-c", pythonConsumer.replacingOccurrences(of: "range(40)", with: "range(4)")])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0")

        func kcatGroup() throws -> [String] {
            let outcome = try KafkaClients.run(
                kcat, ["-b", server.bootstrap, "-G", "kc", "events", "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", "%s\\n"])
            #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
            return outcome.standardOutput.split(separator: "\n").map(String.init)
        }
        #expect(Set(try kcatGroup()) == Set((0..<1000).map(String.init)))
        #expect(try kcatGroup() == [])
        #expect(server.stop() == 0, "\(server.log)")
    }
}
