import Foundation
import Testing
import TestKit

/// `streamhost run` on a data directory that `streamhost serve` holds: the
/// job's log source and sink (and dead letters) go through the server, side
/// by side with the CLI and real Kafka clients; without a server, run opens
/// the directory itself as before.
@Suite struct ServeRunTests {
    /// Reads `topic` (partitions 0 and 1 from offset 0) with confluent-kafka
    /// until it has `expected` records, then one more second for any extra
    /// (a duplicate) to show; prints the values as a JSON array. With
    /// expected -1: reads to the end of both partitions.
    static let reader = """
        import sys, json, time
        from confluent_kafka import Consumer, TopicPartition, KafkaError
        bootstrap, topic, expected, isolation = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
        consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader', 'isolation.level': isolation,
                             'enable.auto.commit': False, 'enable.partition.eof': expected < 0})
        consumer.assign([TopicPartition(topic, p, 0) for p in range(2)])
        values, ends = [], set()
        deadline = time.time() + 120
        while time.time() < deadline and (len(values) < expected if expected >= 0 else len(ends) < 2):
            message = consumer.poll(1.0)
            if message is None: continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    ends.add(message.partition()); continue
                sys.exit(str(message.error()))
            values.append(message.value().decode())
        if expected >= 0:
            settle = time.time() + 1
            while time.time() < settle:
                message = consumer.poll(0.2)
                if message is not None and not message.error(): values.append(message.value().decode())
        consumer.close()
        print(json.dumps(values))
        """

    static func readWithPython(_ server: ServeProcess, topic: String, expected: Int, isolation: String) throws -> [String] {
        let outcome = try KafkaClients.run(
            try KafkaClients.python(), ["-c", reader, server.bootstrap, topic, String(expected), isolation])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String]
        return try #require(parsed, "\(outcome.standardOutput) \(outcome.standardError)")
    }

    /// A background `streamhost` process writing its output to files.
    final class Background {
        let process = Process()
        let output: String
        let errors: String

        init(_ arguments: [String], scratch: TemporaryDirectory, name: String) throws {
            output = scratch.file("\(name).out")
            errors = scratch.file("\(name).err")
            for path in [output, errors] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            process.executableURL = URL(fileURLWithPath: BuildProducts.streamhost)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["STREAMHOST_PLUGIN_PATH": "", "STREAMHOST_LOG_LEVEL": "info"]) { $1 }
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = FileHandle(forWritingAtPath: errors)
            try process.run()
        }

        var lines: [String] { CLI.lines(output) }
        var errorText: String { (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "" }

        /// Sends `signal` and waits (bounded) for the exit status.
        func stop(_ signal: Int32) -> Int32? {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            return process.isRunning ? nil : process.terminationStatus
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    /// A running server on a fresh data directory, and the CLI against it.
    struct Served {
        let scratch: TemporaryDirectory
        let data: String
        let server: ServeProcess

        init(prefix: String) throws {
            scratch = try TemporaryDirectory(prefix: prefix)
            data = scratch.file("data")
            server = try ServeProcess(dataDir: data, scratch: scratch)
        }

        func cli(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
            try CLI.run(arguments + ["--data-dir", data], input: input, timeoutSeconds: 120)
        }
    }

    /// Waits (bounded, against hanging) until `done`.
    static func wait(_ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while !done() {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    @Test func aJobCopiesATopicThroughTheServerBesideAProducerAndConsumers() throws {
        let served = try Served(prefix: "serve-run")
        let (scratch, data, server) = (served.scratch, served.data, served.server)
        for topic in ["a", "b"] {
            let created = try served.cli(["topics", "create", topic, "--partitions", "2"])
            #expect(created.status == 0, "\(created.standardError)")
        }
        let job = try scratch.write("copy.yaml", """
            name: copy
            pipeline:
              - {id: in, source: log, config: {topic: a, bounded: false, group: copier}}
              - {id: out, sink: log, config: {topic: b, delivery: at_least_once}}
            """)
        let running = try Background(["run", job, "--data-dir", data, "--no-progress"], scratch: scratch, name: "job")
        let follower = try Background(["consume", "b", "--follow", "--data-dir", data], scratch: scratch, name: "follow")

        // The producer writes in four rounds while the job copies and a
        // confluent-kafka consumer reads b.
        let total = 2000
        let values = (0..<total).map { "{\"id\":\($0)}" }
        let python = try KafkaClients.python()
        let pythonReader = Process()
        let pythonOutput = scratch.file("python.out")
        _ = FileManager.default.createFile(atPath: pythonOutput, contents: nil)
        pythonReader.executableURL = URL(fileURLWithPath: python)
        pythonReader.arguments = ["-c", Self.reader, server.bootstrap, "b", String(total), "read_committed"]
        pythonReader.standardOutput = FileHandle(forWritingAtPath: pythonOutput)
        pythonReader.standardError = FileHandle.nullDevice
        try pythonReader.run()
        defer { if pythonReader.isRunning { kill(pythonReader.processIdentifier, SIGKILL) } }
        for round in 0..<4 {
            let chunk = values[(round * total / 4)..<((round + 1) * total / 4)]
            let produced = try served.cli(["produce", "a"], input: chunk.joined(separator: "\n") + "\n")
            #expect(produced.status == 0, "\(produced.standardError)")
        }

        #expect(Self.wait { !pythonReader.isRunning }, "the confluent-kafka reader did not finish")
        let read = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: pythonOutput))) as? [String]
        #expect(read?.sorted() == values.sorted(), "confluent-kafka read \(read?.count ?? -1) of \(total) records")
        // consume --follow, started before the job wrote anything, printed
        // what the job appended as it came.
        #expect(Self.wait { follower.lines.count >= total }, "consume --follow printed \(follower.lines.count)")
        #expect(follower.lines.sorted() == values.sorted())
        #expect(follower.stop(SIGTERM) == 0)

        #expect(running.stop(SIGINT) == 0, "\(running.errorText)")
        #expect(running.errorText.contains("the data directory is held by `streamhost serve` at \(server.bootstrap)"),
                "\(running.errorText)")
        #expect(running.errorText.contains("\(total) records in, \(total) into sinks"), "\(running.errorText)")
        // The source committed its group's offsets through the server when
        // it closed: nothing left to read.
        let lag = try served.cli(["groups", "describe", "copier"])
        let rows = lag.standardOutput.split(separator: "\n").dropFirst(2)
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasSuffix("  0") }, "\(lag.standardOutput)\(lag.standardError)")
        #expect(rows.map { Int($0.split(separator: " ")[2]) ?? 0 }.reduce(0, +) == total, "\(lag.standardOutput)")

        // Dead letters go to the job's topic through the server too.
        let rejecting = try scratch.write("rejects.yaml", """
            name: rejecting
            pipeline:
              - {id: gen, source: datagen, config: {count: 30}}
              - {id: by, key_by: no_such_field}
              - {id: out, sink: blackhole}
            """)
        let rejected = try served.cli(["run", rejecting, "--no-progress"])
        #expect(rejected.status == 3, "\(rejected.standardError)")
        #expect(rejected.standardError.contains("30 rejected (see topic rejecting.dlq"), "\(rejected.standardError)")
        let letters = try served.cli(["consume", "rejecting.dlq", "--from-beginning"])
        #expect(letters.standardOutput.split(separator: "\n").filter { $0.contains("\"step\":\"by\"") }.count == 30,
                "\(letters.standardError)")

        // Without a server, run opens the directory itself, as before.
        #expect(server.stop() == 0)
        let direct = try scratch.write("direct.yaml", """
            name: direct
            pipeline:
              - {id: in, source: log, config: {topic: b}}
              - {id: out, sink: log, config: {topic: a}}
            """)
        let ran = try served.cli(["run", direct, "--no-progress"])
        #expect(ran.status == 0, "\(ran.standardError)")
        #expect(!ran.standardError.contains("held by"), "\(ran.standardError)")
        #expect(ran.standardError.contains("\(total) records in, \(total) into sinks"), "\(ran.standardError)")
        let copied = try served.cli(["consume", "a", "--from-beginning"])
        #expect(copied.standardOutput.split(separator: "\n").count == 2 * total)
    }

    /// Exactly-once through the server: a checkpointing job writing b in
    /// Kafka transactions is stopped with SIGINT, killed with SIGKILL (so
    /// its pre-committed and open transactions are left on the server) and
    /// restarted each time; a read_committed consumer sees every generated
    /// record once, none missing.
    @Test func anExactlyOnceJobThroughTheServerSurvivesStopsAndKills() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-run-eos")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        let created = try CLI.run(["topics", "create", "b", "--partitions", "2", "--data-dir", data])
        #expect(created.status == 0, "\(created.standardError)")
        let job = try scratch.write("orders.yaml", """
            name: orders
            parallelism: 2
            checkpoints: {interval_ms: 100}
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 3000, seed: 9}}
              - {id: out, sink: log, config: {topic: b, batch_records: 50}}
            """)
        func run(steps: Int, signal: Int32) throws -> ProcessOutcome {
            let reached = CLI.newestCheckpoint(data: data, job: "orders") + steps
            return try CLI.run(
                ["run", job, "--data-dir", data, "--no-progress"], timeoutSeconds: 120,
                signalsWhen: ({ CLI.newestCheckpoint(data: data, job: "orders") >= reached }, [signal]))
        }
        let first = try run(steps: 3, signal: SIGINT)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("held by `streamhost serve`"), "\(first.standardError)")
        _ = try run(steps: 3, signal: SIGKILL)
        let third = try run(steps: 3, signal: SIGINT)
        #expect(third.status == 0, "\(third.standardError)")
        #expect(third.standardError.contains("restored from checkpoint") || third.standardError.contains("resum"), "\(third.standardError)")

        let committed = try Self.readWithPython(server, topic: "b", expected: -1, isolation: "read_committed")
        let ids = committed.compactMap { Reference.numberText("order_id", in: $0).flatMap { Int($0) } }
        #expect(ids.count == committed.count)
        #expect(!ids.isEmpty)
        #expect(ids.count == Set(ids).count, "\(ids.count - Set(ids).count) records written twice")
        // Instance i of the two generates i, i + 2, i + 4, ...: each one's
        // ids are all there up to the last it generated (the two stop at
        // slightly different points).
        for instance in 0..<2 {
            let own = ids.filter { $0 % 2 == instance }
            let missing = Set(stride(from: instance, through: own.max() ?? 0, by: 2)).subtracting(own)
            #expect(missing.isEmpty, "instance \(instance): \(missing.count) records missing below its highest id \(own.max() ?? -1)")
        }
        // The kill left records of uncommitted transactions behind: a
        // read_uncommitted reader sees them, the committed one does not.
        let everything = try Self.readWithPython(server, topic: "b", expected: -1, isolation: "read_uncommitted")
        #expect(everything.count >= committed.count)
        #expect(server.stop() == 0)
    }

    /// Exactly-once from topic to topic through the server: the log source
    /// keeps its offsets in the checkpoints and its group's commits follow
    /// them, the log sink writes in Kafka transactions. Stopped with SIGINT,
    /// killed with SIGKILL mid-stream, restarted: b holds every record of a
    /// once for a read_committed reader.
    @Test func anExactlyOnceCopyThroughTheServerRepeatsAndLosesNothing() throws {
        let served = try Served(prefix: "serve-run-copy")
        let (scratch, data, server) = (served.scratch, served.data, served.server)
        for topic in ["a", "b"] { #expect(try served.cli(["topics", "create", topic, "--partitions", "2"]).status == 0) }
        func produce(_ ids: Range<Int>) throws {
            let lines = ids.map { "{\"id\":\($0),\"k\":\"k\($0 % 7)\"}" }
            let produced = try served.cli(["produce", "a", "--key", "k"], input: lines.joined(separator: "\n") + "\n")
            #expect(produced.status == 0, "\(produced.standardError)")
        }
        let job = try scratch.write("copy.yaml", """
            name: copy-eos
            parallelism: 2
            checkpoints: {interval_ms: 100}
            pipeline:
              - {id: in, source: log, config: {topic: a, bounded: false, group: copier}}
              - {id: out, sink: log, config: {topic: b, batch_records: 100}}
            """)
        /// The group's committed offsets summed, looked at no more than every
        /// 200 ms (the ready check runs every few milliseconds).
        var lastLook = Date.distantPast
        var lastSum = 0
        func committedSum() -> Int {
            guard Date().timeIntervalSince(lastLook) > 0.2 else { return lastSum }
            lastLook = Date()
            let described = (try? served.cli(["groups", "describe", "copier"]))?.standardOutput ?? ""
            lastSum = described.split(separator: "\n").dropFirst(2).compactMap { Int($0.split(separator: " ")[2]) }.reduce(0, +)
            return lastSum
        }
        func run(until ready: @escaping () -> Bool, signal: Int32) throws -> ProcessOutcome {
            try CLI.run(["run", job, "--data-dir", data, "--no-progress"], timeoutSeconds: 120, signalsWhen: (ready, [signal]))
        }
        try produce(0..<5000)
        let first = try run(until: { committedSum() >= 5000 }, signal: SIGINT)
        #expect(first.status == 0, "\(first.standardError)")
        try produce(5000..<60000)
        let reached = CLI.newestCheckpoint(data: data, job: "copy-eos") + 3
        _ = try run(until: { CLI.newestCheckpoint(data: data, job: "copy-eos") >= reached }, signal: SIGKILL)
        lastLook = .distantPast
        let third = try run(until: { committedSum() >= 60000 }, signal: SIGINT)
        #expect(third.status == 0, "\(third.standardError)")

        let committed = try Self.readWithPython(server, topic: "b", expected: -1, isolation: "read_committed")
        let ids = committed.compactMap { Reference.numberText("id", in: $0).flatMap { Int($0) } }
        #expect(ids.count == committed.count)
        #expect(ids.count - Set(ids).count == 0, "\(ids.count - Set(ids).count) records copied twice")
        #expect(Set(ids) == Set(0..<60000), "\(60000 - Set(ids).count) records missing")
        #expect(server.stop() == 0)
    }
}
