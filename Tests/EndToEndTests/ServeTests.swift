import Foundation
import Testing
import TestKit

/// `streamhost serve` started on a free loopback port, stopped with
/// SIGTERM (which must exit 0 after closing the data directory).
final class ServeProcess {
    let process = Process()
    let logPath: String
    let port: Int
    let scratch: TemporaryDirectory

    /// - Parameter listen: the `--listen` options (default one PLAINTEXT
    ///   listener on 127.0.0.1:`listenPort`); the first must be a loopback
    ///   listener, whose port `port` is.
    /// - Parameter listenPort: 0 for a free port; a restart passes the
    ///   port of the server it replaces, which its clients reconnect to.
    init(
        dataDir: String, scratch: TemporaryDirectory, listen: [String]? = nil, extraArguments: [String] = [],
        listenPort: Int = 0
    ) throws {
        self.scratch = scratch
        logPath = scratch.file("serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: BuildProducts.streamhost)
        process.arguments =
            ["serve", "--data-dir", dataDir] + (listen ?? ["127.0.0.1:\(listenPort)"]).flatMap { ["--listen", $0] } + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(["STREAMHOST_LOG_LEVEL": "info"]) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The log names the port bound: "serving DIR on 127.0.0.1:PORT".
        let deadline = Date().addingTimeInterval(60)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: " on 127.0.0.1:") {
                found = Int(log[range.upperBound...].prefix { $0.isNumber })
            }
            if found == nil { usleep(20_000) }
        }
        guard let found else {
            process.terminate()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure(description: "serve did not start: \(log)")
        }
        port = found
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    var bootstrap: String { "127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status (nil if it did not stop within a minute).
    func stop() -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }

    /// SIGKILL, as a crash: nothing is flushed or closed. Returns once the
    /// process is gone.
    func crash() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// The real clients, installed by scripts/test.sh (kcat from Debian via
/// bootstrap.sh; confluent-kafka and kafka-python by
/// scripts/kafka-clients.sh). A missing client fails the test with the
/// way to install it: nothing is skipped.
enum KafkaClients {
    static func kcat() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/kcat"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ServeProcess.Failure(description: "kcat is not installed; run scripts/test.sh (bootstrap.sh installs Debian's kcat)")
    }

    static func python() throws -> String {
        let venv = ProcessInfo.processInfo.environment["KAFKA_VENV"] ?? BuildProducts.packageRoot + "/.build/kafka-venv"
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ServeProcess.Failure(
                description: "no Kafka client virtual environment at \(venv); run scripts/test.sh (scripts/kafka-clients.sh makes it)")
        }
        return python
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> ProcessOutcome {
        let outcome = try ProcessRunner.run(executable, arguments, environment: environment, input: input, timeoutSeconds: 120)
        return outcome
    }
}

@Suite struct ServeTests {
    @Test func kcatListsProducesAndConsumes() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-kcat")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let kcat = try KafkaClients.kcat()
        let broker = ["-b", server.bootstrap]

        // -P with keys: the topic is auto-created by Metadata.
        let first = (1...20).map { "k\($0):v\($0)" }.joined(separator: "\n") + "\n"
        let produced = try KafkaClients.run(kcat, broker + ["-P", "-t", "orders", "-K:"], input: first)
        #expect(produced.status == 0, "\(produced.standardError)")
        let afterFirst = Int64(Date().timeIntervalSince1970 * 1000) + 1
        // The second records must be stamped after `afterFirst`: wait for the
        // clock to pass it rather than for a fixed time.
        ProgressWait.until(pollMilliseconds: 1) { Int64(Date().timeIntervalSince1970 * 1000) > afterFirst }
        let second = (21...25).map { "k\($0):v\($0)" }.joined(separator: "\n") + "\n"
        #expect(try KafkaClients.run(kcat, broker + ["-P", "-t", "orders", "-K:"], input: second).status == 0)

        let metadata = try KafkaClients.run(kcat, broker + ["-L", "-t", "orders"])
        #expect(metadata.status == 0)
        #expect(metadata.standardOutput.contains("topic \"orders\" with 1 partitions"), "\(metadata.standardOutput)")
        #expect(metadata.standardOutput.contains("broker 1 at \(server.bootstrap)"), "\(metadata.standardOutput)")

        func consume(_ offset: String) throws -> [String] {
            let outcome = try KafkaClients.run(kcat, broker + ["-C", "-t", "orders", "-o", offset, "-e", "-f", "%o %k %s\\n"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            return outcome.standardOutput.split(separator: "\n").map(String.init)
        }
        let all = try consume("beginning")
        #expect(all == (1...25).map { "\($0 - 1) k\($0) v\($0)" })
        #expect(try consume("-10") == (16...25).map { "\($0 - 1) k\($0) v\($0)" })
        // By timestamp: the first record at or after a time between the
        // two produce runs is the second run's first.
        #expect(try consume("s@\(afterFirst)") == (21...25).map { "\($0 - 1) k\($0) v\($0)" })

        #expect(server.stop() == 0, "\(server.log)")
        #expect(server.log.contains("stopped; data directory flushed and closed"))
    }

    /// Compressed batches are stored as sent and read back by the client
    /// that decompresses them: every codec librdkafka writes.
    @Test func kcatCompressedBatchesRoundTrip() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-codecs")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let kcat = try KafkaClients.kcat()
        let codecs = ["gzip", "snappy", "lz4", "zstd"]
        for codec in codecs {
            let lines = (1...50).map { "\(codec)-\($0)-" + String(repeating: "x", count: 40) }
            let produced = try KafkaClients.run(
                kcat, ["-b", server.bootstrap, "-P", "-t", "compressed", "-z", codec], input: lines.joined(separator: "\n") + "\n")
            #expect(produced.status == 0, "\(codec): \(produced.standardError)")
        }
        let consumed = try KafkaClients.run(kcat, ["-b", server.bootstrap, "-C", "-t", "compressed", "-o", "beginning", "-e", "-q"])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        let expected = codecs.flatMap { codec in (1...50).map { "\(codec)-\($0)-" + String(repeating: "x", count: 40) } }
        #expect(consumed.standardOutput.split(separator: "\n").map(String.init) == expected)
        #expect(server.stop() == 0, "\(server.log)")
    }

    static let confluentScript = """
        import json, sys
        from confluent_kafka import Producer, Consumer, TopicPartition
        bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
        producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5})
        failures = []
        def delivered(error, message):
            if error is not None: failures.append(str(error))
        for i in range(count):
            order = {'order_id': i, 'customer': 'c%d' % (i % 7), 'amount': i * 1.5}
            producer.produce(topic, key=order['customer'], value=json.dumps(order), callback=delivered)
            producer.poll(0)
        producer.flush(30)
        if failures: sys.exit('delivery failed: %s' % failures[:3])
        consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False})
        consumer.assign([TopicPartition(topic, p, 0) for p in range(2)])
        seen = []
        idle = 0
        while len(seen) < count and idle < 20:
            message = consumer.poll(1.0)
            if message is None:
                idle += 1
                continue
            if message.error(): sys.exit('consume error: %s' % message.error())
            seen.append(json.loads(message.value())['order_id'])
        consumer.close()
        print(len(seen), len(set(seen)), min(seen), max(seen))
        """

    @Test func pythonClientsProduceAndAssignedConsumersReadEverything() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-confluent")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("clients.py", Self.confluentScript)
        // kafka-python's admin client creates two partitions, so keys
        // spread and the consumer reads both.
        let created = try KafkaClients.run(python, ["-c", """
            from kafka.admin import KafkaAdminClient, NewTopic
            admin = KafkaAdminClient(bootstrap_servers='\(server.bootstrap)')
            admin.create_topics([NewTopic('orders', num_partitions=2, replication_factor=1)])
            print(sorted(admin.list_topics()))
            admin.close()
            """])
        #expect(created.status == 0, "\(created.standardError)")
        // The group coordinator's internal topic is listed, as Kafka lists it.
        #expect(created.standardOutput.contains("['__consumer_offsets', 'orders']"), "\(created.standardOutput)")
        let outcome = try KafkaClients.run(python, [script, server.bootstrap, "orders", "5000"])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "5000 5000 0 4999")
        // kafka-python's consumer (its own protocol code, not librdkafka)
        // reads the same records with assign().
        let pythonConsumer = try KafkaClients.run(python, ["-c", """
            import json
            from kafka import KafkaConsumer, TopicPartition
            consumer = KafkaConsumer(bootstrap_servers='\(server.bootstrap)', group_id=None, enable_auto_commit=False)
            partitions = [TopicPartition('orders', p) for p in range(2)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            seen = set()
            for _ in range(60):
                for records in consumer.poll(timeout_ms=500).values():
                    seen.update(json.loads(r.value)['order_id'] for r in records)
                if len(seen) == 5000: break
            print(len(seen))
            consumer.close()
            """])
        #expect(pythonConsumer.status == 0, "\(pythonConsumer.standardError)")
        #expect(pythonConsumer.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "5000")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// kafka-python's admin client: create, grow, alter and describe
    /// configs, delete.
    @Test func kafkaPythonAdminManagesTopicsAndConfigs() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-admin")
        let server = try ServeProcess(dataDir: scratch.file("data"), scratch: scratch)
        let python = try KafkaClients.python()
        let outcome = try KafkaClients.run(python, ["-c", """
            from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
            admin = KafkaAdminClient(bootstrap_servers='\(server.bootstrap)')
            admin.create_topics([NewTopic('events', num_partitions=1, replication_factor=1,
                                          topic_configs={'cleanup.policy': 'compact'})])
            admin.create_partitions({'events': NewPartitions(3)})
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'events', configs={'retention.ms': '60000'})])
            described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'events')])
            configs = {entry[0]: entry[1] for entry in described[0].resources[0][4]}
            print(configs['retention.ms'], configs['cleanup.policy'])
            print(len(admin.describe_topics(['events'])[0]['partitions']))
            admin.delete_topics(['events'])
            print(sorted(admin.list_topics()))
            admin.close()
            """])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(server.log)")
        // AlterConfigs replaces the whole set: cleanup.policy is back to delete.
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init) == ["60000 delete", "3", "['__consumer_offsets']"])
        #expect(server.stop() == 0, "\(server.log)")
    }
}
