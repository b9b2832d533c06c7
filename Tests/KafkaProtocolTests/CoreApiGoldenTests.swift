import Testing
@testable import KafkaProtocol

/// ApiVersions, Metadata, Produce, Fetch and ListOffsets: golden frames at
/// an old and a flexible version, decoded, checked, re-encoded.
@Suite struct CoreApiGoldenTests {
    @Test func apiVersions() throws {
        try roundTripRequest(request(.apiVersions, 0)) { #expect($0.body.fields.isEmpty) }
        try roundTripResponse(
            response(.apiVersions, 0, flexibleHeader: false).i16(0).count(2).i16(0).i16(3).i16(9).i16(18).i16(0).i16(3),
            api: .apiVersions, version: 0
        ) { response in
            #expect(response.body.structs("ApiKeys").map { $0.int("MaxVersion") } == [9, 3])
        }
        try roundTripRequest(
            request(.apiVersions, 3, clientId: "rdkafka").compactString("librdkafka").compactString("2.3.0").noTags()
        ) { request in
            #expect(request.header.clientId == "rdkafka")
            #expect(request.body.string("ClientSoftwareName") == "librdkafka")
            #expect(request.body.string("ClientSoftwareVersion") == "2.3.0")
        }
        // v3 body is flexible but its response header stays v0; a tagged
        // FinalizedFeaturesEpoch (tag 1, 8 bytes) is carried.
        try roundTripResponse(
            response(.apiVersions, 3, flexibleHeader: false).i16(0).compactCount(1).i16(18).i16(0).i16(3).noTags().i32(0)
                .uvarint(1).uvarint(1).uvarint(8).i64(5),
            api: .apiVersions, version: 3
        ) { response in
            #expect(response.body.int("FinalizedFeaturesEpoch") == 5)
            #expect(response.body.first("ApiKeys")?.int("ApiKey") == 18)
        }
    }

    @Test func apiVersionsFallbackIsAVersionZeroBody() throws {
        let frame = ApiVersionsAnswer.unsupportedVersionFrame(
            correlationId: 42, entries: [.init(apiKey: 18, versions: 0...3)])
        let golden = response(.apiVersions, 0, correlationId: 42, flexibleHeader: false).i16(35).count(1).i16(18).i16(0).i16(3)
        #expect(frame == golden.framed)
    }

    @Test func metadata() throws {
        try roundTripRequest(request(.metadata, 4).count(1).string("orders").bool(true)) { request in
            #expect(request.body.first("Topics")?.string("Name") == "orders")
            #expect(request.body["AllowAutoTopicCreation"] == .bool(true))
        }
        // All topics: a null array.
        try roundTripRequest(request(.metadata, 4).count(-1).bool(false)) { #expect($0.body["Topics"] == .null) }
        try roundTripResponse(
            response(.metadata, 4).i32(0)
                .count(1).i32(1).string("localhost").i32(9092).string(nil)
                .string("streamhost").i32(1)
                .count(1).i16(0).string("orders").bool(false)
                .count(1).i16(0).i32(0).i32(1).count(1).i32(1).count(1).i32(1),
            api: .metadata, version: 4
        ) { response in
            #expect(response.body.first("Brokers")?.int("Port") == 9092)
            #expect(response.body.first("Brokers")?["Rack"] == .null)
            #expect(response.body.first("Topics")?.first("Partitions")?.int("LeaderId") == 1)
        }
        try roundTripRequest(
            request(.metadata, 9).compactCount(1).compactString("orders").noTags().bool(true).bool(false).bool(false).noTags()
        ) { #expect($0.body.first("Topics")?.string("Name") == "orders") }
        try roundTripResponse(
            response(.metadata, 9).i32(0)
                .compactCount(1).i32(1).compactString("localhost").i32(9092).compactString(nil).noTags()
                .compactString("streamhost").i32(1)
                .compactCount(1).i16(0).compactString("orders").bool(false)
                .compactCount(1).i16(0).i32(0).i32(1).i32(0)
                .compactCount(1).i32(1).compactCount(1).i32(1).compactCount(0).noTags()
                .i32(Int32.min).noTags()
                .i32(Int32.min).noTags(),
            api: .metadata, version: 9
        ) { response in
            #expect(response.body.string("ClusterId") == "streamhost")
            #expect(response.body.first("Topics")?.int("TopicAuthorizedOperations") == Int64(Int32.min))
        }
    }

    @Test func produce() throws {
        try roundTripRequest(
            request(.produce, 3).string(nil).i16(-1).i32(30000)
                .count(1).string("orders").count(1).i32(0).bytes(sampleRecords)
        ) { request in
            #expect(request.body["TransactionalId"] == .null)
            #expect(request.body.int("Acks") == -1)
            #expect(request.body.first("TopicData")?.first("PartitionData")?["Records"]?.bytes.map(Array.init) == sampleRecords)
        }
        try roundTripResponse(
            response(.produce, 3).count(1).string("orders").count(1).i32(0).i16(0).i64(41).i64(-1).i32(0),
            api: .produce, version: 3
        ) { #expect($0.body.first("Responses")?.first("PartitionResponses")?.int("BaseOffset") == 41) }
        try roundTripRequest(
            request(.produce, 9).compactString("tx-1").i16(1).i32(1500)
                .compactCount(1).compactString("orders").compactCount(1).i32(2).compactBytes(sampleRecords).noTags().noTags()
                .noTags()
        ) { request in
            #expect(request.body.string("TransactionalId") == "tx-1")
            #expect(request.body.first("TopicData")?.first("PartitionData")?.int("Index") == 2)
        }
        try roundTripResponse(
            response(.produce, 9).compactCount(1).compactString("orders")
                .compactCount(1).i32(2).i16(0).i64(100).i64(-1).i64(0).compactCount(0).compactString(nil).noTags()
                .noTags().i32(0).noTags(),
            api: .produce, version: 9
        ) { #expect($0.body.first("Responses")?.first("PartitionResponses")?.int("BaseOffset") == 100) }
    }

    @Test func fetch() throws {
        try roundTripRequest(
            request(.fetch, 4).i32(-1).i32(500).i32(1).i32(52_428_800).i8(1)
                .count(1).string("orders").count(1).i32(0).i64(17).i32(1_048_576)
        ) { request in
            #expect(request.body.int("IsolationLevel") == 1)
            #expect(request.body.first("Topics")?.first("Partitions")?.int("FetchOffset") == 17)
        }
        try roundTripResponse(
            response(.fetch, 4).i32(0)
                .count(1).string("orders").count(1).i32(0).i16(0).i64(20).i64(20)
                .count(1).i64(9).i64(3).bytes(sampleRecords),
            api: .fetch, version: 4
        ) { response in
            let partition = response.body.first("Responses")?.first("Partitions")
            #expect(partition?.first("AbortedTransactions")?.int("ProducerId") == 9)
            #expect(partition?["Records"]?.bytes.map(Array.init) == sampleRecords)
        }
        try roundTripRequest(
            request(.fetch, 12).i32(-1).i32(500).i32(1).i32(52_428_800).i8(0).i32(0).i32(-1)
                .compactCount(1).compactString("orders")
                .compactCount(1).i32(0).i32(-1).i64(17).i32(-1).i64(-1).i32(1_048_576).noTags().noTags()
                .compactCount(0).compactString("").noTags()
        ) { request in
            #expect(request.body.first("Topics")?.first("Partitions")?.int("LastFetchedEpoch") == -1)
            #expect(request.body.string("RackId") == "")
        }
        // A tagged CurrentLeader (tag 1) on the partition is decoded.
        try roundTripResponse(
            response(.fetch, 12).i32(0).i16(0).i32(0)
                .compactCount(1).compactString("orders")
                .compactCount(1).i32(0).i16(0).i64(20).i64(20).i64(0).compactCount(nil).i32(-1)
                .compactBytes(sampleRecords)
                .uvarint(1).uvarint(1).uvarint(9).i32(1).i32(0).noTags()
                .noTags().noTags(),
            api: .fetch, version: 12
        ) { response in
            let partition = response.body.first("Responses")?.first("Partitions")
            #expect(partition?["AbortedTransactions"] == .null)
            #expect(partition?["CurrentLeader"]?.structure?.int("LeaderId") == 1)
        }
    }

    @Test func listOffsets() throws {
        try roundTripRequest(request(.listOffsets, 1).i32(-1).count(1).string("orders").count(1).i32(0).i64(-2)) {
            #expect($0.body.first("Topics")?.first("Partitions")?.int("Timestamp") == -2)
        }
        try roundTripResponse(
            response(.listOffsets, 1).count(1).string("orders").count(1).i32(0).i16(0).i64(-1).i64(0),
            api: .listOffsets, version: 1
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("Offset") == 0) }
        try roundTripRequest(
            request(.listOffsets, 6).i32(-1).i8(0)
                .compactCount(1).compactString("orders").compactCount(1).i32(0).i32(-1).i64(1_700_000_000_000).noTags()
                .noTags().noTags()
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("Timestamp") == 1_700_000_000_000) }
        try roundTripResponse(
            response(.listOffsets, 6).i32(0)
                .compactCount(1).compactString("orders").compactCount(1).i32(0).i16(0).i64(1_700_000_000_000).i64(12)
                .i32(0).noTags().noTags().noTags(),
            api: .listOffsets, version: 6
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("Offset") == 12) }
    }
}
