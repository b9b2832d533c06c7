import Foundation
import Testing
import TestKit

/// Kafka record headers end to end (issue 15): produced by confluent-kafka
/// to `streamhost serve`, read by a job's log source, passed through a
/// filter that reads one (`header('trace')`) and a key_by (a hash
/// exchange of byte records), written by its
/// log sink, and fetched by a confluent-kafka consumer with the same
/// headers, in the same order, byte for byte.
@Suite("Kafka record headers")
struct KafkaHeadersTests {
    /// `produce`: creates topics in and out (2 partitions) and produces
    /// `total` keyed records; record i has headers that depend on i (none,
    /// a header without a value, a repeated key, binary values). `consume`:
    /// reads `total` records of out and prints, per value, its headers as
    /// [key, hex value, or ~ for no value] pairs.
    static let script = """
        import sys, json, time
        from confluent_kafka import Producer, Consumer, TopicPartition
        from confluent_kafka.admin import AdminClient, NewTopic
        mode, bootstrap, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
        def headers_of(i):
            if i % 4 == 0: return None
            headers = [('trace', ('t-%d' % i).encode())]
            if i % 4 >= 2: headers.append(('flag', None))
            if i % 4 == 3: headers += [('bin', bytes([0, 255, i % 256])), ('bin', b'')]
            return headers
        if mode == 'produce':
            admin = AdminClient({'bootstrap.servers': bootstrap})
            for future in admin.create_topics([NewTopic(t, 2, 1) for t in ('in', 'out')]).values(): future.result()
            producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 5})
            for i in range(total):
                producer.produce('in', key=str(i % 7), value=json.dumps({'n': i}), headers=headers_of(i))
            producer.flush()
            expected = {}
            for i in range(total):
                if i % 5 == 0 or i == 7: continue  # the job's filter drops these
                expected[str(i)] = [[k, '~' if v is None else v.hex()] for k, v in (headers_of(i) or [])]
            print(json.dumps(expected, sort_keys=True))
        else:
            consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'check', 'enable.auto.commit': False})
            consumer.assign([TopicPartition('out', p, 0) for p in range(2)])
            seen = {}
            deadline = time.time() + 120
            while len(seen) < total and time.time() < deadline:
                message = consumer.poll(1.0)
                if message is None: continue
                if message.error(): sys.exit(str(message.error()))
                n = json.loads(message.value())['n']
                seen[str(n)] = [[k, '~' if v is None else v.hex()] for k, v in (message.headers() or [])]
            consumer.close()
            print(json.dumps(seen, sort_keys=True))
        """

    @Test("headers produced over Kafka come back out of a job's log sink unchanged")
    func headersSurviveAJob() throws {
        let scratch = try TemporaryDirectory(prefix: "kafka-headers")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        let python = try KafkaClients.python()
        let script = try scratch.write("headers.py", Self.script)
        let total = 400

        let produced = try KafkaClients.run(python, [script, "produce", server.bootstrap, String(total)])
        #expect(produced.status == 0, "\(produced.standardError)\n\(server.log)")
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(produced.standardOutput.utf8)) as? [String: [[String]]],
            "\(produced.standardOutput)")

        let job = try scratch.write("copy.yaml", """
            name: copy-headers
            pipeline:
              - {id: in, source: log, config: {topic: in}}
              - {id: some, operator: filter, config: {where: "n % 5 != 0 and coalesce(header('trace'), '') != 't-7'"}}
              - {id: by, key_by: n}
              - {id: out, sink: log, config: {topic: out}}
            """)
        let ran = try CLI.run(["run", job, "--data-dir", data, "--no-progress"], timeoutSeconds: 120)
        #expect(ran.status == 0, "\(ran.standardError)\n\(server.log)")
        #expect(ran.standardError.contains("\(total) records in, \(expected.count) into sinks"), "\(ran.standardError)")

        let consumed = try KafkaClients.run(python, [script, "consume", server.bootstrap, String(expected.count)])
        #expect(consumed.status == 0, "\(consumed.standardError)\n\(server.log)")
        let got = try #require(
            try JSONSerialization.jsonObject(with: Data(consumed.standardOutput.utf8)) as? [String: [[String]]],
            "\(consumed.standardOutput)")
        #expect(got.count == expected.count)
        #expect(got == expected)
        #expect(server.stop() == 0, "\(server.log)")
    }
}
