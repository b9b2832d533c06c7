import KafkaProtocol
import Log
import Testing
@testable import Server

@Suite struct BrokerTests {
    @Test func apiVersionsAdvertisesExactlyWhatIsServed() async throws {
        let fixture = try BrokerFixture()
        let response = try #require(try await fixture.send(.apiVersions, 3, ProtocolStruct()))
        let advertised = response.body.structs("ApiKeys").map {
            ($0.int("ApiKey"), $0.int("MinVersion"), $0.int("MaxVersion"))
        }
        let expected = Broker.served.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            (Int64($0.key.rawValue), Int64($0.value.lowerBound), Int64($0.value.upperBound))
        }
        #expect(advertised.map(\.0) == expected.map(\.0))
        #expect(advertised.map(\.1) == expected.map(\.1))
        #expect(advertised.map(\.2) == expected.map(\.2))
        for (api, versions) in Broker.served {
            #expect(api.supportedVersions.contains(versions.lowerBound) && api.supportedVersions.contains(versions.upperBound), "\(api)")
        }
    }

    @Test func apiVersionsOfAnUnknownVersionGetsTheKIP511Answer() async throws {
        let fixture = try BrokerFixture()
        // ApiVersions v9 (header v2, as a newer client sends it).
        var writer = ProtocolWriter()
        writer.writeInt16(18)
        writer.writeInt16(9)
        writer.writeInt32(77)
        writer.writeString("new-client", compact: false)
        writer.writeUnsignedVarint(0)
        let outcome = await fixture.broker.handle(frame: writer.bytes)
        guard case .respond(let frame) = outcome else {
            Issue.record("expected an answer, got \(outcome)")
            return
        }
        let response = try Response.decode(frame: Array(frame.dropFirst(4)), api: .apiVersions, version: 0)
        #expect(response.correlationId == 77)
        #expect(response.body.int("ErrorCode") == Int64(ErrorCode.unsupportedVersion.rawValue))
        #expect(response.body.structs("ApiKeys").contains { $0.int("ApiKey") == 18 && $0.int("MaxVersion") == 3 })
    }

    @Test func unservedUnknownAndMalformedRequestsCloseTheConnection() async throws {
        let fixture = try BrokerFixture()
        // SaslHandshake decodes but is not served.
        let sasl = Request(
            header: RequestHeader(apiKey: 17, apiVersion: 1, correlationId: 1, clientId: nil), api: .saslHandshake,
            body: ProtocolStruct(["Mechanism": .string("PLAIN")]))
        guard case .close(let reason) = await fixture.broker.handle(frame: Array(sasl.encodeFrame().dropFirst(4))) else {
            Issue.record("SaslHandshake should close the connection")
            return
        }
        #expect(reason.contains("SaslHandshake"))
        guard case .close = await fixture.broker.handle(frame: [0x27, 0x0F, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF]) else {
            Issue.record("an unknown API key should close the connection")
            return
        }
        guard case .close(let malformed) = await fixture.broker.handle(frame: [0, 3, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0, 0]) else {
            Issue.record("a malformed Metadata should close the connection")
            return
        }
        #expect(malformed.contains("MetadataRequest v4"))
    }

    @Test func metadataCreatesTopicsOnlyWhenAllowed() async throws {
        let fixture = try BrokerFixture { $0.defaultPartitions = 3 }
        let topic = ProtocolStruct(["Name": .string("auto")])
        let created = try #require(
            try await fixture.send(.metadata, 9, ProtocolStruct(["Topics": .array([.structure(topic)]), "AllowAutoTopicCreation": .bool(true)])))
        #expect(created.body.first("Topics")?.int("ErrorCode") == 0)
        #expect(created.body.first("Topics")?.structs("Partitions").count == 3)
        #expect(created.body.first("Brokers")?.int("Port") == 9092)
        let other = ProtocolStruct(["Name": .string("not-created")])
        let refused = try #require(
            try await fixture.send(.metadata, 9, ProtocolStruct(["Topics": .array([.structure(other)]), "AllowAutoTopicCreation": .bool(false)])))
        #expect(refused.body.first("Topics")?.int("ErrorCode") == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        // The group coordinator's internal topic is there from the start.
        #expect(fixture.data.topics == ["__consumer_offsets", "auto"])

        let disabled = try BrokerFixture { $0.autoCreateTopics = false }
        let response = try #require(
            try await disabled.send(.metadata, 9, ProtocolStruct(["Topics": .array([.structure(topic)]), "AllowAutoTopicCreation": .bool(true)])))
        #expect(response.body.first("Topics")?.int("ErrorCode") == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        // Null topics: every topic.
        let all = try #require(try await fixture.send(.metadata, 9, ProtocolStruct(["Topics": .null])))
        #expect(all.body.structs("Topics").map { $0.string("Name") } == ["__consumer_offsets", "auto"])
        #expect(all.body.structs("Topics").map { $0["IsInternal"]?.bool } == [true, false])
    }

    @Test func produceStoresTheBatchAsSentAndAnswersPerAcks() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        let sent = try batch(count: 3)
        let first = try #require(try await fixture.produce(topic: "t", records: sent))
        #expect(first.int("ErrorCode") == 0)
        #expect(first.int("BaseOffset") == 0)
        let second = try #require(try await fixture.produce(topic: "t", records: try batch(count: 2)))
        #expect(second.int("BaseOffset") == 3)
        // acks=0: stored, no response.
        #expect(try await fixture.produce(topic: "t", records: try batch(), acks: 0) == nil)
        let partition = try fixture.data.topic(named: "t").partition(0)
        #expect(partition.endOffset == 6)
        // The stored bytes are the sent bytes (base offset 0 as sent).
        #expect(try partition.read(from: 0, maxBytes: 1).bytes == sent)
    }

    @Test func produceRefusesBadBatchesWithTheirError() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        var corrupt = try batch()
        corrupt[corrupt.count - 1] ^= 0xFF
        #expect(try await fixture.produce(topic: "t", records: corrupt)?.int("ErrorCode") == Int64(ErrorCode.corruptMessage.rawValue))
        let two = try batch() + batch()
        #expect(try await fixture.produce(topic: "t", records: two)?.int("ErrorCode") == Int64(ErrorCode.invalidRecord.rawValue))
        #expect(try await fixture.produce(topic: "t", records: try batch(), acks: 2)?.int("ErrorCode") == Int64(ErrorCode.invalidRequiredAcks.rawValue))
        #expect(try await fixture.produce(topic: "missing", records: try batch())?.int("ErrorCode") == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        #expect(try await fixture.produce(topic: "t", partition: 5, records: try batch())?.int("ErrorCode") == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        let message = try await fixture.produce(topic: "t", records: two, version: 9)?.string("ErrorMessage")
        #expect(message?.contains("exactly one batch") == true)
        #expect(try fixture.data.topic(named: "t").partition(0).endOffset == 0)
    }

    @Test func fetchReturnsWholeBatchesWithinLimits() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 2)
        let big = try batch(count: 1, valueBytes: 5000)
        let small = try batch(count: 4)
        _ = try await fixture.produce(topic: "t", records: small)
        _ = try await fixture.produce(topic: "t", records: big)
        _ = try await fixture.produce(topic: "t", partition: 1, records: small)

        // Offset 2 lies inside the first batch: the whole batch comes back.
        let inside = try await fixture.fetch([("t", 0, 2, 1_000_000)])
        let records = try #require(inside.first?["Records"]?.bytes)
        #expect(records.count == small.count + big.count)
        #expect(Array(records.prefix(small.count)) == small)
        #expect(inside.first?.int("HighWatermark") == 5)
        // A partition limit smaller than the first batch still returns it.
        let oversized = try await fixture.fetch([("t", 0, 4, 100)])
        #expect(oversized.first?["Records"]?.bytes?.count == big.count)
        // The response limit: partition 0's big batch fills it; partition 1
        // gets nothing rather than exceeding it.
        let limited = try await fixture.fetch([("t", 0, 4, 1_000_000), ("t", 1, 0, 1_000_000)], maxBytes: 200)
        #expect(limited.map { $0["Records"]?.bytes?.count } == [big.count, 0])
        // Past the end: empty; out of range: OFFSET_OUT_OF_RANGE.
        #expect(try await fixture.fetch([("t", 0, 5, 1000)]).first?["Records"]?.bytes?.count == 0)
        #expect(try await fixture.fetch([("t", 0, 99, 1000)]).first?.int("ErrorCode") == Int64(ErrorCode.offsetOutOfRange.rawValue))
    }

    /// The fetch waits up to two minutes for one byte; only the append can
    /// end it within the test's time limit.
    @Test(.timeLimit(.minutes(1))) func longPollingFetchIsWokenByAnAppend() async throws {
        let fixture = try BrokerFixture { $0.fetchWaitMaxMs = 120_000 }
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        async let fetched = fixture.fetch([("t", 0, 0, 1_000_000)], maxWaitMs: 120_000, minBytes: 1)
        // Append only once the fetch waits, so that the append must wake it
        // (an append before the wait would be seen by its snapshot).
        while fixture.broker.notifier.waitingCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let sent = try batch(count: 2)
        _ = try await fixture.produce(topic: "t", records: sent)
        #expect(try await fetched.first?["Records"]?.bytes.map(Array.init) == sent)
    }

    @Test func listOffsetsEarliestLatestAndByTimestamp() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        _ = try await fixture.produce(topic: "t", records: try batch(count: 3, timestamp: 1000))
        _ = try await fixture.produce(topic: "t", records: try batch(count: 3, timestamp: 2000))
        func offset(_ timestamp: Int64) async throws -> Int64? {
            let partition = ProtocolStruct(["PartitionIndex": .int(0), "Timestamp": .int(timestamp), "CurrentLeaderEpoch": .int(-1)])
            let topic = ProtocolStruct(["Name": .string("t"), "Partitions": .array([.structure(partition)])])
            let response = try await fixture.send(
                .listOffsets, 5, ProtocolStruct(["ReplicaId": .int(-1), "IsolationLevel": .int(0), "Topics": .array([.structure(topic)])]))
            return response?.body.first("Topics")?.first("Partitions")?.int("Offset")
        }
        #expect(try await offset(-2) == 0)
        #expect(try await offset(-1) == 6)
        #expect(try await offset(1001) == 1)
        #expect(try await offset(2000) == 3)
        #expect(try await offset(9999) == -1)
    }

    @Test func createDescribeAndDeleteTopics() async throws {
        let fixture = try BrokerFixture()
        func create(_ name: String, partitions: Int64, replication: Int64 = -1, configs: [String: String] = [:]) async throws -> ProtocolStruct? {
            let topic = ProtocolStruct([
                "Name": .string(name), "NumPartitions": .int(partitions), "ReplicationFactor": .int(replication),
                "Assignments": .array([]),
                "Configs": .array(configs.map { .structure(ProtocolStruct(["Name": .string($0.key), "Value": .string($0.value)])) }),
            ])
            return try await fixture.send(.createTopics, 5, ProtocolStruct(["Topics": .array([.structure(topic)]), "timeoutMs": .int(1000)]))?
                .body.first("Topics")
        }
        let created = try #require(try await create("orders", partitions: 2, configs: ["retention.ms": "60000"]))
        #expect(created.int("ErrorCode") == 0)
        #expect(created.int("NumPartitions") == 2)
        #expect(try fixture.data.topic(named: "orders").config.retentionMs == 60000)
        #expect(try await create("orders", partitions: 1)?.int("ErrorCode") == Int64(ErrorCode.topicAlreadyExists.rawValue))
        #expect(try await create("bad/name", partitions: 1)?.int("ErrorCode") == Int64(ErrorCode.invalidTopicException.rawValue))
        #expect(try await create("r3", partitions: 1, replication: 3)?.int("ErrorCode") == Int64(ErrorCode.invalidReplicationFactor.rawValue))
        #expect(try await create("c", partitions: 1, configs: ["retention.ms": "soon"])?.int("ErrorCode") == Int64(ErrorCode.invalidConfig.rawValue))

        let resource = ProtocolStruct(["ResourceType": .int(2), "ResourceName": .string("orders"), "ConfigurationKeys": .null])
        let described = try #require(
            try await fixture.send(.describeConfigs, 4, ProtocolStruct(["Resources": .array([.structure(resource)])])))
        let configs = described.body.first("Results")?.structs("Configs") ?? []
        #expect(configs.count == TopicConfig.keys.count)
        let retention = configs.first { $0.string("Name") == "retention.ms" }
        #expect(retention?.string("Value") == "60000")
        #expect(retention?.int("ConfigSource") == Broker.dynamicTopicConfig)
        #expect(configs.first { $0.string("Name") == "segment.bytes" }?.int("ConfigSource") == Broker.defaultConfig)

        let deleted = try #require(
            try await fixture.send(.deleteTopics, 4, ProtocolStruct(["TopicNames": .array([.string("orders"), .string("nope")]), "TimeoutMs": .int(1000)])))
        #expect(deleted.body.structs("Responses").map { $0.int("ErrorCode") } == [0, Int64(ErrorCode.unknownTopicOrPartition.rawValue)])
        #expect(fixture.data.topics == ["__consumer_offsets"])
    }
}

@Suite struct BrokerTransactionalFetchTests {
    /// read_committed: records stop at the last stable offset (an open
    /// transaction's first offset) and the aborted transaction is listed so
    /// the client can drop its records; read_uncommitted gets everything
    /// and no list.
    @Test func readCommittedStopsAtTheLastStableOffsetAndListsAborts() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        let record = LogRecord(timestamp: 1, key: nil, value: [1])
        let transactions = fixture.data.transactions
        let aborted = try transactions.begin(transactionalId: "a")
        try transactions.append(aborted, topic: "t", partition: 0, records: [record, record])
        try transactions.abort(aborted)  // offsets 0-1, marker at 2
        _ = try await fixture.produce(topic: "t", records: try batch())  // offset 3
        let open = try transactions.begin(transactionalId: "b")
        try transactions.append(open, topic: "t", partition: 0, records: [record])  // offset 4, open

        let committed = try #require(try await fixture.fetch([("t", 0, 0, 1_000_000)], isolation: 1).first)
        #expect(committed.int("LastStableOffset") == 4)
        #expect(committed.int("HighWatermark") == 5)
        #expect(
            committed.structs("AbortedTransactions").map { [$0.int("ProducerId"), $0.int("FirstOffset")] }
                == [[aborted.producerId, 0]])
        #expect(committed["Records"]?.bytes?.isEmpty == false)
        // At the last stable offset a read_committed fetch gets nothing; a
        // read_uncommitted one gets the open transaction's batch, and no
        // aborted-transaction list.
        #expect(try await fixture.fetch([("t", 0, 4, 1_000_000)], isolation: 1).first?["Records"]?.bytes?.isEmpty == true)
        let uncommitted = try #require(try await fixture.fetch([("t", 0, 4, 1_000_000)], isolation: 0).first)
        #expect(uncommitted["Records"]?.bytes?.isEmpty == false)
        #expect(uncommitted["AbortedTransactions"] == .null)
    }
}

@Suite struct BrokerTopicChangeTests {
    @Test func createPartitionsOnlyGrows() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1)
        func grow(_ name: String, to count: Int64, assignments: ProtocolValue = .null, validateOnly: Bool = false) async throws -> Int64? {
            let topic = ProtocolStruct(["Name": .string(name), "Count": .int(count), "Assignments": assignments])
            let response = try await fixture.send(
                .createPartitions, 2,
                ProtocolStruct(["Topics": .array([.structure(topic)]), "TimeoutMs": .int(1000), "ValidateOnly": .bool(validateOnly)]))
            return response?.body.first("Results")?.int("ErrorCode")
        }
        #expect(try await grow("t", to: 3, validateOnly: true) == 0)
        #expect(try fixture.data.topic(named: "t").partitionCount == 1)
        #expect(try await grow("t", to: 3) == 0)
        #expect(try fixture.data.topic(named: "t").partitionCount == 3)
        #expect(try await grow("t", to: 2) == Int64(ErrorCode.invalidPartitions.rawValue))
        #expect(try await grow("t", to: 3, validateOnly: true) == Int64(ErrorCode.invalidPartitions.rawValue))
        #expect(try await grow("missing", to: 2) == Int64(ErrorCode.unknownTopicOrPartition.rawValue))
        let assignment = ProtocolValue.array([.structure(ProtocolStruct(["BrokerIds": .array([.int(1)])]))])
        #expect(try await grow("t", to: 4, assignments: assignment) == Int64(ErrorCode.invalidReplicaAssignment.rawValue))
        // Produce reaches a new partition.
        #expect(try await fixture.produce(topic: "t", partition: 2, records: try batch())?.int("ErrorCode") == 0)
    }

    @Test func alterConfigsReplacesAndIncrementalAlterConfigsSetsOrDeletes() async throws {
        let fixture = try BrokerFixture()
        _ = try fixture.data.createTopic(name: "t", partitions: 1, config: try TopicConfig(["segment.ms": "60000"]))
        func alter(_ configs: [(String, Int64, String?)], incremental: Bool) async throws -> Int64? {
            let entries = configs.map { name, operation, value in
                ProtocolValue.structure(
                    ProtocolStruct(["Name": .string(name), "ConfigOperation": .int(operation), "Value": value.map(ProtocolValue.string) ?? .null]))
            }
            let resource = ProtocolStruct(["ResourceType": .int(2), "ResourceName": .string("t"), "Configs": .array(entries)])
            let response = try await fixture.send(
                incremental ? .incrementalAlterConfigs : .alterConfigs, 1,
                ProtocolStruct(["Resources": .array([.structure(resource)]), "ValidateOnly": .bool(false)]))
            return response?.body.first("Responses")?.int("ErrorCode")
        }
        var config: TopicConfig { get throws { try fixture.data.topic(named: "t").config } }
        #expect(try await alter([("retention.ms", 0, "1000")], incremental: true) == 0)
        #expect(try config.retentionMs == 1000)
        #expect(try config.segmentMs == 60000)
        #expect(try await alter([("retention.ms", 1, nil)], incremental: true) == 0)
        #expect(try config.retentionMs == TopicConfig().retentionMs)
        // A bad value changes nothing.
        #expect(try await alter([("retention.ms", 0, "soon")], incremental: true) == Int64(ErrorCode.invalidConfig.rawValue))
        #expect(try await alter([("retention.ms", 2, "x")], incremental: true) == Int64(ErrorCode.invalidConfig.rawValue))
        // AlterConfigs replaces the whole set: segment.ms goes back too.
        #expect(try await alter([("retention.ms", 0, "5000")], incremental: false) == 0)
        #expect(try config.retentionMs == 5000)
        #expect(try config.segmentMs == TopicConfig().segmentMs)
    }
}
