import KafkaProtocol
import Log
import Logging
import Testing
import TestKit
@testable import Server

/// A broker over a fresh data directory, driven frame by frame without
/// sockets.
final class BrokerFixture: Sendable {
    let directory: TemporaryDirectory
    let data: DataDirectory
    let broker: Broker

    init(_ configure: (inout ServerConfig) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory(prefix: "server-test")
        data = try DataDirectory.open(path: directory.file("data"), logger: Logger(label: "test"))
        var config = ServerConfig()
        configure(&config)
        broker = try Broker(data: data, config: config, logger: Logger(label: "test"))
    }

    deinit { try? data.close() }

    /// Sends a request; returns the decoded response, or nil when the
    /// broker sends none. A closed connection is a test failure.
    func send(
        _ api: ApiKey, _ version: Int16, _ body: ProtocolStruct, correlationId: Int32 = 11,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Response? {
        let request = Request(
            header: RequestHeader(apiKey: api.rawValue, apiVersion: version, correlationId: correlationId, clientId: "test"),
            api: api, body: body)
        switch await broker.handle(frame: Array(request.encodeFrame().dropFirst(4))) {
        case .respond(let frame):
            let response = try Response.decode(frame: Array(frame.dropFirst(4)), api: api, version: version)
            #expect(response.correlationId == correlationId, sourceLocation: sourceLocation)
            return response
        case .noResponse:
            return nil
        case .close(let reason):
            Issue.record("connection closed: \(reason)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func produce(
        topic: String, partition: Int32 = 0, records: [UInt8], acks: Int64 = 1, version: Int16 = 7
    ) async throws -> ProtocolStruct? {
        let response = try await send(
            .produce, version,
            ProtocolStruct([
                "TransactionalId": .null, "Acks": .int(acks), "TimeoutMs": .int(1000),
                "TopicData": .array([
                    .structure(
                        ProtocolStruct([
                            "Name": .string(topic),
                            "PartitionData": .array([
                                .structure(ProtocolStruct(["Index": .int(Int64(partition)), "Records": .bytes(records[...])]))
                            ]),
                        ]))
                ]),
            ]))
        return response?.body.first("Responses")?.first("PartitionResponses")
    }

    func fetch(
        _ partitions: [(topic: String, partition: Int32, offset: Int64, maxBytes: Int32)], maxWaitMs: Int64 = 0,
        minBytes: Int64 = 0, maxBytes: Int64 = 50_000_000, isolation: Int64 = 0, version: Int16 = 11
    ) async throws -> [ProtocolStruct] {
        let topics = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { name, entries in
            ProtocolValue.structure(
                ProtocolStruct([
                    "Topic": .string(name),
                    "Partitions": .array(
                        entries.map {
                            .structure(
                                ProtocolStruct([
                                    "Partition": .int(Int64($0.partition)), "FetchOffset": .int($0.offset),
                                    "PartitionMaxBytes": .int(Int64($0.maxBytes)), "LogStartOffset": .int(-1),
                                    "CurrentLeaderEpoch": .int(-1),
                                ]))
                        }),
                ]))
        }
        let response = try await send(
            .fetch, version,
            ProtocolStruct([
                "ReplicaId": .int(-1), "MaxWaitMs": .int(maxWaitMs), "MinBytes": .int(minBytes), "MaxBytes": .int(maxBytes),
                "IsolationLevel": .int(isolation), "SessionId": .int(0), "SessionEpoch": .int(-1), "Topics": .array(topics),
                "ForgottenTopicsData": .array([]), "RackId": .string(""),
            ]))
        return try #require(response).body.structs("Responses").flatMap { $0.structs("Partitions") }
    }
}

extension ProtocolStruct {
    func first(_ name: String) -> ProtocolStruct? { structs(name).first }
}

/// One RecordBatch v2 of `count` records with values of `valueBytes` bytes.
func batch(count: Int = 1, valueBytes: Int = 10, timestamp: Int64 = 1_700_000_000_000) throws -> [UInt8] {
    try RecordBatchV2.encode(
        (0..<count).map { index in
            LogRecord(timestamp: timestamp + Int64(index), key: Array("k\(index)".utf8), value: [UInt8](repeating: 0x61, count: valueBytes))
        })
}
