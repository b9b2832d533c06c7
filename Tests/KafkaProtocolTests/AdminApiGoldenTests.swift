import Testing
@testable import KafkaProtocol

/// Topic and cluster administration: golden frames at an old and a
/// flexible version, decoded, checked, re-encoded.
@Suite struct AdminApiGoldenTests {
    @Test func createTopics() throws {
        try roundTripRequest(
            request(.createTopics, 2).count(1).string("orders").i32(3).i16(1).count(0)
                .count(1).string("retention.ms").string("60000").i32(30000).bool(false)
        ) { request in
            #expect(request.body.first("Topics")?.int("NumPartitions") == 3)
            #expect(request.body.first("Topics")?.first("Configs")?.string("Value") == "60000")
        }
        try roundTripResponse(
            response(.createTopics, 2).i32(0).count(1).string("orders").i16(36).string("exists"),
            api: .createTopics, version: 2
        ) { #expect($0.body.first("Topics")?.int("ErrorCode") == 36) }
        try roundTripRequest(
            request(.createTopics, 5).compactCount(1).compactString("orders").i32(-1).i16(-1).compactCount(0)
                .compactCount(0).noTags().i32(30000).bool(true).noTags()
        ) { #expect($0.body["validateOnly"] == .bool(true)) }
        // A tagged TopicConfigErrorCode (tag 0, int16) on the topic.
        try roundTripResponse(
            response(.createTopics, 5).i32(0).compactCount(1).compactString("orders").i16(0).compactString(nil).i32(3)
                .i16(1).compactCount(1).compactString("cleanup.policy").compactString("delete").bool(false).i8(5)
                .bool(false).noTags()
                .uvarint(1).uvarint(0).uvarint(2).i16(40).noTags(),
            api: .createTopics, version: 5
        ) { response in
            #expect(response.body.first("Topics")?.int("TopicConfigErrorCode") == 40)
            #expect(response.body.first("Topics")?.first("Configs")?.int("ConfigSource") == 5)
        }
    }

    @Test func deleteTopics() throws {
        try roundTripRequest(request(.deleteTopics, 1).count(1).string("orders").i32(30000)) {
            #expect($0.body["TopicNames"] == .array([.string("orders")]))
        }
        try roundTripResponse(
            response(.deleteTopics, 1).i32(0).count(1).string("orders").i16(3), api: .deleteTopics, version: 1
        ) { #expect($0.body.first("Responses")?.int("ErrorCode") == 3) }
        try roundTripRequest(request(.deleteTopics, 4).compactCount(1).compactString("orders").i32(30000).noTags()) {
            #expect($0.body.int("TimeoutMs") == 30000)
        }
        try roundTripResponse(
            response(.deleteTopics, 4).i32(0).compactCount(1).compactString("orders").i16(0).noTags().noTags(),
            api: .deleteTopics, version: 4
        ) { #expect($0.body.first("Responses")?.string("Name") == "orders") }
    }

    @Test func createPartitions() throws {
        try roundTripRequest(
            request(.createPartitions, 1).count(1).string("orders").i32(6).count(-1).i32(30000).bool(false)
        ) { request in
            #expect(request.body.first("Topics")?.int("Count") == 6)
            #expect(request.body.first("Topics")?["Assignments"] == .null)
        }
        try roundTripResponse(
            response(.createPartitions, 1).i32(0).count(1).string("orders").i16(37).string("fewer"),
            api: .createPartitions, version: 1
        ) { #expect($0.body.first("Results")?.string("ErrorMessage") == "fewer") }
        try roundTripRequest(
            request(.createPartitions, 2).compactCount(1).compactString("orders").i32(6)
                .compactCount(1).compactCount(1).i32(1).noTags().noTags().i32(30000).bool(true).noTags()
        ) { #expect($0.body.first("Topics")?.first("Assignments")?["BrokerIds"] == .array([.int(1)])) }
        try roundTripResponse(
            response(.createPartitions, 2).i32(0).compactCount(1).compactString("orders").i16(0).compactString(nil)
                .noTags().noTags(),
            api: .createPartitions, version: 2
        ) { #expect($0.body.first("Results")?["ErrorMessage"] == .null) }
    }

    @Test func describeConfigs() throws {
        try roundTripRequest(
            request(.describeConfigs, 1).count(1).i8(2).string("orders").count(-1).bool(false)
        ) { request in
            #expect(request.body.first("Resources")?.int("ResourceType") == 2)
            #expect(request.body.first("Resources")?["ConfigurationKeys"] == .null)
        }
        try roundTripResponse(
            response(.describeConfigs, 1).i32(0).count(1).i16(0).string(nil).i8(2).string("orders")
                .count(1).string("retention.ms").string("604800000").bool(false).i8(5).bool(false).count(0),
            api: .describeConfigs, version: 1
        ) { #expect($0.body.first("Results")?.first("Configs")?.string("Value") == "604800000") }
        try roundTripRequest(
            request(.describeConfigs, 4).compactCount(1).i8(2).compactString("orders")
                .compactCount(1).compactString("cleanup.policy").noTags().bool(false).bool(true).noTags()
        ) { #expect($0.body.first("Resources")?["ConfigurationKeys"] == .array([.string("cleanup.policy")])) }
        try roundTripResponse(
            response(.describeConfigs, 4).i32(0).compactCount(1).i16(0).compactString(nil).i8(2).compactString("orders")
                .compactCount(1).compactString("cleanup.policy").compactString("delete").bool(false).i8(5).bool(false)
                .compactCount(0).i8(2).compactString(nil).noTags()
                .noTags().noTags(),
            api: .describeConfigs, version: 4
        ) { #expect($0.body.first("Results")?.first("Configs")?.int("ConfigType") == 2) }
    }

    @Test func describeCluster() throws {
        try roundTripRequest(request(.describeCluster, 0).bool(false).noTags()) {
            #expect($0.body["IncludeClusterAuthorizedOperations"] == .bool(false))
        }
        try roundTripResponse(
            response(.describeCluster, 0).i32(0).i16(0).compactString(nil).compactString("streamhost").i32(1)
                .compactCount(1).i32(1).compactString("localhost").i32(9092).compactString(nil).noTags()
                .i32(Int32.min).noTags(),
            api: .describeCluster, version: 0
        ) { #expect($0.body.first("Brokers")?.string("Host") == "localhost") }
        try roundTripRequest(request(.describeCluster, 1).bool(false).i8(1).noTags()) {
            #expect($0.body.int("EndpointType") == 1)
        }
        try roundTripResponse(
            response(.describeCluster, 1).i32(0).i16(0).compactString(nil).i8(1).compactString("streamhost").i32(1)
                .compactCount(0).i32(Int32.min).noTags(),
            api: .describeCluster, version: 1
        ) { #expect($0.body.string("ClusterId") == "streamhost") }
    }

    @Test func deleteRecords() throws {
        try roundTripRequest(
            request(.deleteRecords, 1).count(1).string("orders").count(1).i32(0).i64(10).i32(30000)
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("Offset") == 10) }
        try roundTripResponse(
            response(.deleteRecords, 1).i32(0).count(1).string("orders").count(1).i32(0).i64(10).i16(0),
            api: .deleteRecords, version: 1
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("LowWatermark") == 10) }
        try roundTripRequest(
            request(.deleteRecords, 2).compactCount(1).compactString("orders").compactCount(1).i32(0).i64(-1).noTags()
                .noTags().i32(30000).noTags()
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("Offset") == -1) }
        try roundTripResponse(
            response(.deleteRecords, 2).i32(0).compactCount(1).compactString("orders").compactCount(1).i32(0).i64(25)
                .i16(0).noTags().noTags().noTags(),
            api: .deleteRecords, version: 2
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("LowWatermark") == 25) }
    }
}
