import Foundation
@testable import KafkaClient
import KafkaProtocol
import Log
import Testing
import TestKit

/// The CLI's synchronous client against a real KafkaServer and Broker on a
/// loopback port. Its blocking calls run off the cooperative pool
/// (`offPool`), where the server runs.
@Suite(.serialized, .timeLimit(.minutes(1))) struct KafkaClientTests {
    @Test func producesListsFetchesAndCommits() async throws {
        let running = try await RunningServer()
        let port = running.port
        let records = try batch(count: 3)
        try await offPool {
            let client = try KafkaClient(host: "127.0.0.1", port: port)
            try client.createTopic(name: "t", partitions: 2, configs: ["retention.ms": "60000"])
            #expect(try client.metadata(topics: ["t"]).map { "\($0.name) \($0.partitionCount)" } == ["t 2"])
            #expect(try client.produce(topic: "t", partition: 1, batches: records) == 0)
            #expect(try client.produce(topic: "t", partition: 1, batches: records) == 3)
            #expect(try client.listOffsets(topic: "t", partitions: [0, 1], timestamp: KafkaClient.latest, readCommitted: true)
                == [0: 0, 1: 6])
            let fetched = try client.fetch(topic: "t", offsets: [(1, 3)], maxWaitMs: 0, readCommitted: false)
            #expect(fetched.map(\.partition) == [1])
            let decoded = try fetched[0].records.withUnsafeBytes { try RecordBatchV2.decode(batchesIn: $0) }
            #expect(decoded.map(\.offset) == [3, 4, 5])

            try client.commitOffsets(group: "g", topic: "t", offsets: [(1, 4)])
            #expect(try client.committedOffsets(group: "g").map { "\($0.topic) \($0.partition) \($0.offset)" } == ["t 1 4"])
            #expect(try client.listGroups() == ["g"])
            try client.deleteTopic(name: "t")
        }
        try await running.stop()
    }

    /// An error answer names the API, the partition and Kafka's code; the
    /// CLI never creates a topic by naming it.
    @Test func errorsNameTheApiAndTheCode() async throws {
        let running = try await RunningServer()
        let port = running.port
        let records = try batch()
        try await offPool {
            let client = try KafkaClient(host: "127.0.0.1", port: port)
            let error = #expect(throws: KafkaClientError.self) {
                try client.produce(topic: "missing", partition: 0, batches: records)
            }
            #expect(error?.code == .unknownTopicOrPartition)
            #expect("\(error!)" == "Produce to missing partition 0 failed: UNKNOWN_TOPIC_OR_PARTITION (3)")
            #expect(throws: KafkaClientError.self) { try client.metadata(topics: ["missing"]) }
            #expect(try !client.metadata().map(\.name).contains("missing"))
        }
        try await running.stop()
    }

    @Test func aRefusedConnectionSaysWhere() throws {
        // Port 1 on loopback: nothing listens there in a test run.
        let error = #expect(throws: KafkaClientError.self) { try KafkaClient(host: "127.0.0.1", port: 1) }
        #expect("\(error!)".hasPrefix("cannot connect to the server at 127.0.0.1:1: "))
    }
}

@Suite struct ServerDiscoveryTests {
    /// A live pid's file is found; a file left by a process that is gone is
    /// ignored; a clean stop removes only its own file.
    @Test func aStaleFileIsIgnored() throws {
        let directory = try TemporaryDirectory(prefix: "discovery")
        #expect(ServerDiscovery.read(dataDirectory: directory.path) == nil)
        let live = ServerDiscovery(host: "0.0.0.0", port: 9092, pid: getpid())
        try live.write(dataDirectory: directory.path)
        #expect(ServerDiscovery.read(dataDirectory: directory.path) == live)
        #expect(live.address == "127.0.0.1:9092")

        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = ServerDiscovery(host: "127.0.0.1", port: 9093, pid: finished.processIdentifier)
        try stale.write(dataDirectory: directory.path)
        #expect(ServerDiscovery.read(dataDirectory: directory.path) == nil)

        live.remove(dataDirectory: directory.path)
        #expect(FileManager.default.fileExists(atPath: ServerDiscovery.path(dataDirectory: directory.path)))
        stale.remove(dataDirectory: directory.path)
        #expect(!FileManager.default.fileExists(atPath: ServerDiscovery.path(dataDirectory: directory.path)))
    }

    /// Files written by the Foundation Codable version (JSONEncoder's
    /// output, keys in hash order, "/" escaped as "\/"), before and after
    /// `listeners` existed, still read after the move to Core's JSON.
    @Test(arguments: [
        (#"{"pid":4242,"listeners":["PLAINTEXT:\/\/0.0.0.0:9092","SASL_SSL:\/\/[::]:9093"],"host":"0.0.0.0","port":9092}"#,
         ServerDiscovery(host: "0.0.0.0", port: 9092, pid: 4242, listeners: ["PLAINTEXT://0.0.0.0:9092", "SASL_SSL://[::]:9093"])),
        (#"{"host":"127.0.0.1","pid":77,"port":9093}"#, ServerDiscovery(host: "127.0.0.1", port: 9093, pid: 77)),
    ])
    func aFileWrittenByTheCodableVersionStillReads(text: String, expected: ServerDiscovery) throws {
        let directory = try TemporaryDirectory(prefix: "discovery")
        try Data(text.utf8).write(to: URL(fileURLWithPath: ServerDiscovery.path(dataDirectory: directory.path)))
        #expect(ServerDiscovery.readFile(dataDirectory: directory.path) == expected)
    }

    /// What this version writes reads back, and is the same JSON shape.
    @Test func writtenFilesReadBack() throws {
        let directory = try TemporaryDirectory(prefix: "discovery")
        let server = ServerDiscovery(host: "::", port: 0, pid: 12, listeners: ["SASL_PLAINTEXT://[::]:9094"])
        try server.write(dataDirectory: directory.path)
        let text = try String(contentsOfFile: ServerDiscovery.path(dataDirectory: directory.path), encoding: .utf8)
        #expect(text == #"{"host":"::","port":0,"pid":12,"listeners":["SASL_PLAINTEXT://[::]:9094"]}"#)
        #expect(ServerDiscovery.readFile(dataDirectory: directory.path) == server)
    }

    /// The HTTP API's listener and token file (job service) survive the
    /// round trip: the jobs CLI finds the API through them.
    @Test func theHTTPListenerAndTokenFileReadBack() throws {
        let directory = try TemporaryDirectory(prefix: "discovery")
        let server = ServerDiscovery(
            host: "127.0.0.1", port: 9092, pid: 12, http: "127.0.0.1:8081", httpTokenFile: "/data/http.token")
        try server.write(dataDirectory: directory.path)
        let text = try String(contentsOfFile: ServerDiscovery.path(dataDirectory: directory.path), encoding: .utf8)
        #expect(text.contains(#""http":"127.0.0.1:8081","httpTokenFile":"/data/http.token""#), "\(text)")
        #expect(ServerDiscovery.readFile(dataDirectory: directory.path) == server)
    }

    /// A file that is not a server file (truncated, wrong types) means no
    /// server, as a missing file does.
    @Test(arguments: [#"{"host":"a","port":1"#, #"{"host":"a","port":"1","pid":1}"#, #"{"host":"a","port":1,"pid":4294967296}"#, ""])
    func aBrokenFileMeansNoServer(text: String) throws {
        let directory = try TemporaryDirectory(prefix: "discovery")
        try Data(text.utf8).write(to: URL(fileURLWithPath: ServerDiscovery.path(dataDirectory: directory.path)))
        #expect(ServerDiscovery.readFile(dataDirectory: directory.path) == nil)
    }
}
