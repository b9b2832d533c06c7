import Foundation
import Testing
import TestKit

/// `serve` with TLS and SASL listeners, driven by real clients:
/// confluent-kafka (librdkafka), kafka-python and kcat. One server per
/// test has a PLAINTEXT loopback listener (the CLI's), SASL_SSL,
/// SASL_PLAINTEXT and SSL ones, PLAIN and SCRAM-SHA-256 enabled, and user
/// alice added through `streamhost users add --password-stdin`.
final class SecureServe {
    static let password = "wonderland-7f3a"
    let scratch: TemporaryDirectory
    let certificates: TestCertificates
    let server: ServeProcess
    let data: String
    let users: String

    init(prefix: String) throws {
        scratch = try TemporaryDirectory(prefix: prefix)
        certificates = try TestCertificates(in: scratch)
        users = scratch.file("users.json")
        let added = try CLI.run(["users", "add", "alice", "--file", users, "--password-stdin"], input: Self.password + "\n")
        guard added.status == 0 else { throw ServeProcess.Failure(description: "users add failed: \(added.standardError)") }
        let config = try scratch.write(
            "server.yaml",
            """
            ssl.keystore.location: \(certificates.keystore)
            sasl.credentials.file: \(users)
            sasl.enabled.mechanisms: [PLAIN, SCRAM-SHA-256]
            """)
        data = scratch.file("data")
        server = try ServeProcess(
            dataDir: data, scratch: scratch,
            listen: ["127.0.0.1:0", "SASL_SSL://127.0.0.1:0", "SASL_PLAINTEXT://127.0.0.1:0", "SSL://127.0.0.1:0"],
            extraArguments: ["--config", config])
    }

    /// The bound address of a listener, from the server's discovery file.
    func bootstrap(_ securityProtocol: String) throws -> String {
        let json = try Data(contentsOf: URL(fileURLWithPath: data + "/server.json"))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let listeners = object?["listeners"] as? [String] ?? []
        guard let listener = listeners.first(where: { $0.hasPrefix(securityProtocol + "://") }) else {
            throw ServeProcess.Failure(description: "no \(securityProtocol) listener in server.json: \(listeners)")
        }
        return String(listener.dropFirst(securityProtocol.count + 3))
    }

    /// A confluent-kafka client configuration as Python literal text.
    func confluentConfig(_ securityProtocol: String, mechanism: String? = nil, password: String = password, user: String = "alice")
        throws -> String
    {
        var entries = [
            "'bootstrap.servers': '\(try bootstrap(securityProtocol))'", "'security.protocol': '\(securityProtocol)'",
        ]
        if securityProtocol.contains("SSL") { entries.append("'ssl.ca.location': '\(certificates.authority)'") }
        if let mechanism {
            entries += ["'sasl.mechanism': '\(mechanism)'", "'sasl.username': '\(user)'", "'sasl.password': '\(password)'"]
        }
        return "{" + entries.joined(separator: ", ") + "}"
    }
}

@Suite(.serialized) struct ServeSecurityTests {
    /// Produces 50 keyed records and reads them back in a consumer group,
    /// both over the given listener; prints "produced consumed".
    static func roundTrip(config: String, topic: String) -> String {
        """
        from confluent_kafka import Producer, Consumer
        config = \(config)
        producer = Producer(config)
        for i in range(50):
            producer.produce('\(topic)', key=f'k{i}', value=f'v{i}')
        remaining = producer.flush(30)
        consumer = Consumer(dict(config, **{'group.id': 'g-\(topic)', 'auto.offset.reset': 'earliest'}))
        consumer.subscribe(['\(topic)'])
        seen = set()
        for _ in range(120):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                seen.add(message.value().decode())
            if len(seen) == 50: break
        consumer.close()
        print(50 - remaining, len(seen))
        """
    }

    @Test func confluentKafkaOverSaslSslScramAndSaslPlaintextPlain() throws {
        let secure = try SecureServe(prefix: "serve-sasl-confluent")
        let python = try KafkaClients.python()
        let scram = try KafkaClients.run(
            python, ["-c", Self.roundTrip(config: try secure.confluentConfig("SASL_SSL", mechanism: "SCRAM-SHA-256"), topic: "scram")])
        #expect(scram.status == 0, "\(scram.standardError)\n\(secure.server.log)")
        #expect(scram.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "50 50", "\(scram.standardError)")
        let plain = try KafkaClients.run(
            python, ["-c", Self.roundTrip(config: try secure.confluentConfig("SASL_PLAINTEXT", mechanism: "PLAIN"), topic: "plain")])
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(plain.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "50 50", "\(plain.standardError)")

        // The CLI works through the same server, on its PLAINTEXT listener.
        let consumed = try CLI.run(["consume", "scram", "--data-dir", secure.data, "--from-beginning", "--max", "50"])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        #expect(consumed.standardOutput.split(separator: "\n").count == 50, "\(consumed.standardOutput)")
        #expect(secure.server.stop() == 0, "\(secure.server.log)")
    }

    @Test func kafkaPythonOverSaslPlaintextScram() throws {
        let secure = try SecureServe(prefix: "serve-sasl-kafka-python")
        let python = try KafkaClients.python()
        let outcome = try KafkaClients.run(python, ["-c", """
            from kafka import KafkaProducer, KafkaConsumer, TopicPartition
            auth = dict(bootstrap_servers='\(try secure.bootstrap("SASL_PLAINTEXT"))', security_protocol='SASL_PLAINTEXT',
                        sasl_mechanism='SCRAM-SHA-256', sasl_plain_username='alice', sasl_plain_password='\(SecureServe.password)')
            producer = KafkaProducer(**auth)
            for i in range(20):
                producer.send('python', key=b'k%d' % i, value=b'v%d' % i)
            producer.flush(30)
            producer.close()
            consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **auth)
            consumer.assign([TopicPartition('python', 0)])
            consumer.seek_to_beginning()
            seen = []
            for _ in range(60):
                for records in consumer.poll(timeout_ms=500).values():
                    seen += [r.value for r in records]
                if len(seen) >= 20: break
            consumer.close()
            print(len(seen))
            """])
        #expect(outcome.status == 0, "\(outcome.standardError)\n\(secure.server.log)")
        #expect(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "20", "\(outcome.standardError)")
        #expect(secure.server.stop() == 0, "\(secure.server.log)")
    }

    @Test func kcatOverSsl() throws {
        let secure = try SecureServe(prefix: "serve-ssl-kcat")
        let kcat = try KafkaClients.kcat()
        let ssl = ["-b", try secure.bootstrap("SSL"), "-X", "security.protocol=ssl", "-X", "ssl.ca.location=\(secure.certificates.authority)"]
        let produced = try KafkaClients.run(kcat, ssl + ["-P", "-t", "tls", "-K:"], input: "a:1\nb:2\nc:3\n")
        #expect(produced.status == 0, "\(produced.standardError)\n\(secure.server.log)")
        let listed = try KafkaClients.run(kcat, ssl + ["-L", "-t", "tls"])
        // Metadata on the SSL listener advertises the SSL listener.
        #expect(listed.standardOutput.contains("broker 1 at \(try secure.bootstrap("SSL"))"), "\(listed.standardOutput)")
        let consumed = try KafkaClients.run(kcat, ssl + ["-C", "-t", "tls", "-o", "beginning", "-e", "-f", "%k=%s\\n"])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        #expect(consumed.standardOutput == "a=1\nb=2\nc=3\n")
        #expect(secure.server.stop() == 0, "\(secure.server.log)")
    }

    /// A wrong password and an unknown user: the client reports the
    /// authentication error and nothing is written.
    @Test func badCredentialsAreRefusedAndWriteNothing() throws {
        let secure = try SecureServe(prefix: "serve-sasl-refused")
        let python = try KafkaClients.python()
        for (user, password, mechanism) in [
            ("alice", "not-the-password", "SCRAM-SHA-256"), ("mallory", SecureServe.password, "SCRAM-SHA-256"),
            ("alice", "not-the-password", "PLAIN"),
        ] {
            let config = try secure.confluentConfig("SASL_SSL", mechanism: mechanism, password: password, user: user)
            let outcome = try KafkaClients.run(python, ["-c", """
                from confluent_kafka import Producer
                errors = []
                producer = Producer(dict(\(config), **{'error_cb': lambda e: errors.append(str(e)), 'message.timeout.ms': 5000}))
                producer.produce('refused', value=b'x')
                producer.flush(10)
                print('\\n'.join(errors))
                """])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            #expect(outcome.standardOutput.contains("Authentication failed"), "\(user) \(mechanism): \(outcome.standardOutput)")
        }
        // Nothing was written: the topic was never even created.
        let topics = try CLI.run(["topics", "list", "--data-dir", secure.data])
        #expect(topics.status == 0, "\(topics.standardError)")
        #expect(!topics.standardOutput.contains("refused"), "\(topics.standardOutput)")
        #expect(secure.server.stop() == 0, "\(secure.server.log)")
    }

    /// `users add/list/remove`: the file never holds the password, and
    /// the password is never taken from the command line.
    @Test func usersCommandsKeepOnlySaltedKeys() throws {
        let scratch = try TemporaryDirectory(prefix: "users-cli")
        let file = scratch.file("users.json")
        let password = "s3cret-do-not-store"
        #expect(try CLI.run(["users", "add", "bob", "--file", file, "--password-stdin"], input: password + "\n").status == 0)
        #expect(try CLI.run(["users", "add", "carol", "--file", file, "--password-stdin"], input: password + "\n").status == 0)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains(password))
        let grep = try ProcessRunner.run("/bin/grep", ["-c", password, file])
        #expect(grep.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let listed = try CLI.run(["users", "list", "--file", file])
        #expect(listed.standardOutput == "bob\tSCRAM-SHA-256\titerations=4096\ncarol\tSCRAM-SHA-256\titerations=4096\n")
        #expect(try CLI.run(["users", "remove", "bob", "--file", file]).status == 0)
        let missing = try CLI.run(["users", "remove", "bob", "--file", file])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("no user bob"))
        // Without --password-stdin and no terminal, it refuses rather than
        // reading a password it cannot hide.
        let noTerminal = try CLI.run(["users", "add", "dave", "--file", file], input: password + "\n")
        #expect(noTerminal.status == 1)
        #expect(noTerminal.standardError.contains("--password-stdin"))
    }

    /// A server whose only listener needs SASL: the CLI says what to
    /// configure instead of failing obscurely.
    @Test func theCLIExplainsAServerWithoutAPlaintextListener() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-no-plaintext")
        #expect(
            try CLI.run(["users", "add", "alice", "--file", scratch.file("users.json"), "--password-stdin"], input: "pw\n").status
                == 0)
        let config = try scratch.write("server.yaml", "sasl.credentials.file: \(scratch.file("users.json"))\n")
        // The first listener is the one ServeProcess waits for in the log;
        // here it is the SASL one on loopback.
        let server = try ServeProcess(
            dataDir: scratch.file("data"), scratch: scratch, listen: ["SASL_PLAINTEXT://127.0.0.1:0"],
            extraArguments: ["--config", config])
        let listed = try CLI.run(["topics", "list", "--data-dir", scratch.file("data")])
        #expect(listed.status == 1)
        #expect(listed.standardError.contains("no PLAINTEXT listener"), "\(listed.standardError)")
        #expect(listed.standardError.contains("PLAINTEXT://127.0.0.1:9092"), "\(listed.standardError)")
        #expect(server.stop() == 0, "\(server.log)")
    }
}
