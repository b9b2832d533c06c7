import Testing
@testable import KafkaProtocol

/// The classic consumer-group APIs and InitProducerId: golden frames at an
/// old and a flexible version, decoded, checked, re-encoded.
@Suite struct GroupApiGoldenTests {
    let metadata: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74]

    @Test func findCoordinator() throws {
        try roundTripRequest(request(.findCoordinator, 1).string("g1").i8(0)) { #expect($0.body.string("Key") == "g1") }
        try roundTripResponse(
            response(.findCoordinator, 1).i32(0).i16(0).string(nil).i32(1).string("localhost").i32(9092),
            api: .findCoordinator, version: 1
        ) { #expect($0.body.string("Host") == "localhost") }
        try roundTripRequest(request(.findCoordinator, 3).compactString("g1").i8(0).noTags()) {
            #expect($0.body.int("KeyType") == 0)
        }
        try roundTripResponse(
            response(.findCoordinator, 3).i32(0).i16(15).compactString("loading").i32(-1).compactString("").i32(-1)
                .noTags(),
            api: .findCoordinator, version: 3
        ) { #expect($0.body.string("ErrorMessage") == "loading") }
    }

    @Test func joinGroup() throws {
        try roundTripRequest(
            request(.joinGroup, 2).string("g1").i32(10000).i32(300_000).string("").string("consumer")
                .count(1).string("range").bytes(metadata)
        ) { request in
            #expect(request.body.string("MemberId") == "")
            #expect(request.body.first("Protocols")?["Metadata"]?.bytes.map(Array.init) == metadata)
        }
        try roundTripResponse(
            response(.joinGroup, 2).i32(0).i16(0).i32(1).string("range").string("m-1").string("m-1")
                .count(1).string("m-1").bytes(metadata),
            api: .joinGroup, version: 2
        ) { #expect($0.body.int("GenerationId") == 1) }
        try roundTripRequest(
            request(.joinGroup, 6).compactString("g1").i32(10000).i32(300_000).compactString("").compactString(nil)
                .compactString("consumer").compactCount(1).compactString("range").compactBytes(metadata).noTags().noTags()
        ) { #expect($0.body["GroupInstanceId"] == .null) }
        try roundTripResponse(
            response(.joinGroup, 6).i32(0).i16(79).i32(-1).compactString("").compactString("").compactString("m-2")
                .compactCount(0).noTags(),
            api: .joinGroup, version: 6
        ) { #expect($0.body.int("ErrorCode") == 79) }
    }

    @Test func syncGroup() throws {
        try roundTripRequest(
            request(.syncGroup, 1).string("g1").i32(1).string("m-1").count(1).string("m-1").bytes([1, 2, 3])
        ) { #expect($0.body.first("Assignments")?["Assignment"]?.bytes.map(Array.init) == [1, 2, 3]) }
        try roundTripResponse(response(.syncGroup, 1).i32(0).i16(0).bytes([1, 2, 3]), api: .syncGroup, version: 1) {
            #expect($0.body["Assignment"]?.bytes.map(Array.init) == [1, 2, 3])
        }
        try roundTripRequest(
            request(.syncGroup, 4).compactString("g1").i32(1).compactString("m-1").compactString(nil)
                .compactCount(0).noTags()
        ) { #expect($0.body.structs("Assignments").isEmpty) }
        try roundTripResponse(response(.syncGroup, 4).i32(0).i16(27).compactBytes([]).noTags(), api: .syncGroup, version: 4) {
            #expect($0.body.int("ErrorCode") == 27)
        }
    }

    @Test func heartbeat() throws {
        try roundTripRequest(request(.heartbeat, 1).string("g1").i32(3).string("m-1")) {
            #expect($0.body.int("GenerationId") == 3)
        }
        try roundTripResponse(response(.heartbeat, 1).i32(0).i16(27), api: .heartbeat, version: 1) {
            #expect($0.body.int("ErrorCode") == 27)
        }
        try roundTripRequest(
            request(.heartbeat, 4).compactString("g1").i32(3).compactString("m-1").compactString("i-1").noTags()
        ) { #expect($0.body.string("GroupInstanceId") == "i-1") }
        try roundTripResponse(response(.heartbeat, 4).i32(0).i16(0).noTags(), api: .heartbeat, version: 4) {
            #expect($0.body.int("ErrorCode") == 0)
        }
    }

    @Test func leaveGroup() throws {
        try roundTripRequest(request(.leaveGroup, 1).string("g1").string("m-1")) {
            #expect($0.body.string("MemberId") == "m-1")
        }
        try roundTripResponse(response(.leaveGroup, 1).i32(0).i16(0), api: .leaveGroup, version: 1) {
            #expect($0.body.int("ErrorCode") == 0)
        }
        try roundTripRequest(
            request(.leaveGroup, 4).compactString("g1").compactCount(1).compactString("m-1").compactString(nil).noTags()
                .noTags()
        ) { #expect($0.body.first("Members")?.string("MemberId") == "m-1") }
        try roundTripResponse(
            response(.leaveGroup, 4).i32(0).i16(0).compactCount(1).compactString("m-1").compactString(nil).i16(25).noTags()
                .noTags(),
            api: .leaveGroup, version: 4
        ) { #expect($0.body.first("Members")?.int("ErrorCode") == 25) }
    }

    @Test func offsetCommit() throws {
        try roundTripRequest(
            request(.offsetCommit, 2).string("g1").i32(1).string("m-1").i64(-1)
                .count(1).string("orders").count(1).i32(0).i64(42).string("meta")
        ) { request in
            let partition = request.body.first("Topics")?.first("Partitions")
            #expect(partition?.int("CommittedOffset") == 42)
            #expect(partition?.string("CommittedMetadata") == "meta")
        }
        try roundTripResponse(
            response(.offsetCommit, 2).count(1).string("orders").count(1).i32(0).i16(0),
            api: .offsetCommit, version: 2
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("ErrorCode") == 0) }
        try roundTripRequest(
            request(.offsetCommit, 8).compactString("g1").i32(1).compactString("m-1").compactString(nil)
                .compactCount(1).compactString("orders").compactCount(1).i32(0).i64(42).i32(-1).compactString(nil)
                .noTags().noTags().noTags()
        ) { #expect($0.body.first("Topics")?.first("Partitions")?["CommittedMetadata"] == .null) }
        try roundTripResponse(
            response(.offsetCommit, 8).i32(0).compactCount(1).compactString("orders").compactCount(1).i32(0).i16(22)
                .noTags().noTags().noTags(),
            api: .offsetCommit, version: 8
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("ErrorCode") == 22) }
    }

    @Test func offsetFetch() throws {
        try roundTripRequest(request(.offsetFetch, 1).string("g1").count(1).string("orders").count(2).i32(0).i32(1)) {
            #expect($0.body.first("Topics")?["PartitionIndexes"] == .array([.int(0), .int(1)]))
        }
        try roundTripResponse(
            response(.offsetFetch, 1).count(1).string("orders").count(1).i32(0).i64(42).string("meta").i16(0),
            api: .offsetFetch, version: 1
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.string("Metadata") == "meta") }
        // v6: a null topic list asks for every committed offset.
        try roundTripRequest(request(.offsetFetch, 6).compactString("g1").compactCount(nil).noTags()) {
            #expect($0.body["Topics"] == .null)
        }
        try roundTripResponse(
            response(.offsetFetch, 6).i32(0).compactCount(1).compactString("orders")
                .compactCount(1).i32(0).i64(-1).i32(-1).compactString("").i16(0).noTags().noTags().i16(0).noTags(),
            api: .offsetFetch, version: 6
        ) { #expect($0.body.first("Topics")?.first("Partitions")?.int("CommittedOffset") == -1) }
    }

    @Test func listGroups() throws {
        try roundTripRequest(request(.listGroups, 1)) { #expect($0.body.fields.isEmpty) }
        try roundTripResponse(
            response(.listGroups, 1).i32(0).i16(0).count(1).string("g1").string("consumer"),
            api: .listGroups, version: 1
        ) { #expect($0.body.first("Groups")?.string("GroupId") == "g1") }
        try roundTripRequest(request(.listGroups, 3).noTags()) { #expect($0.body.fields.isEmpty) }
        try roundTripResponse(
            response(.listGroups, 3).i32(0).i16(0).compactCount(1).compactString("g1").compactString("consumer").noTags()
                .noTags(),
            api: .listGroups, version: 3
        ) { #expect($0.body.first("Groups")?.string("ProtocolType") == "consumer") }
    }

    @Test func describeGroups() throws {
        try roundTripRequest(request(.describeGroups, 1).count(1).string("g1")) {
            #expect($0.body["Groups"] == .array([.string("g1")]))
        }
        try roundTripResponse(
            response(.describeGroups, 1).i32(0).count(1).i16(0).string("g1").string("Stable").string("consumer")
                .string("range").count(1).string("m-1").string("rdkafka").string("/127.0.0.1").bytes(metadata)
                .bytes([0]),
            api: .describeGroups, version: 1
        ) { #expect($0.body.first("Groups")?.first("Members")?.string("ClientHost") == "/127.0.0.1") }
        try roundTripRequest(request(.describeGroups, 5).compactCount(1).compactString("g1").bool(false).noTags()) {
            #expect($0.body["IncludeAuthorizedOperations"] == .bool(false))
        }
        try roundTripResponse(
            response(.describeGroups, 5).i32(0).compactCount(1).i16(0).compactString("g1").compactString("Empty")
                .compactString("consumer").compactString("").compactCount(0).i32(Int32.min).noTags().noTags(),
            api: .describeGroups, version: 5
        ) { #expect($0.body.first("Groups")?.string("GroupState") == "Empty") }
    }

    @Test func deleteGroups() throws {
        try roundTripRequest(request(.deleteGroups, 1).count(2).string("g1").string("g2")) {
            #expect($0.body["GroupsNames"] == .array([.string("g1"), .string("g2")]))
        }
        try roundTripResponse(
            response(.deleteGroups, 1).i32(0).count(1).string("g1").i16(68), api: .deleteGroups, version: 1
        ) { #expect($0.body.first("Results")?.int("ErrorCode") == 68) }
        try roundTripRequest(request(.deleteGroups, 2).compactCount(1).compactString("g1").noTags()) {
            #expect($0.body["GroupsNames"] == .array([.string("g1")]))
        }
        try roundTripResponse(
            response(.deleteGroups, 2).i32(0).compactCount(1).compactString("g1").i16(0).noTags().noTags(),
            api: .deleteGroups, version: 2
        ) { #expect($0.body.first("Results")?.int("ErrorCode") == 0) }
    }

    @Test func initProducerId() throws {
        try roundTripRequest(request(.initProducerId, 1).string(nil).i32(60000)) {
            #expect($0.body["TransactionalId"] == .null)
        }
        try roundTripResponse(
            response(.initProducerId, 1).i32(0).i16(0).i64(1000).i16(0), api: .initProducerId, version: 1
        ) { #expect($0.body.int("ProducerId") == 1000) }
        try roundTripRequest(request(.initProducerId, 2).compactString("tx-1").i32(60000).noTags()) {
            #expect($0.body.string("TransactionalId") == "tx-1")
        }
        try roundTripResponse(
            response(.initProducerId, 2).i32(0).i16(0).i64(1001).i16(3).noTags(), api: .initProducerId, version: 2
        ) { #expect($0.body.int("ProducerEpoch") == 3) }
    }

    /// KIP-664's transaction listing, flexible from v0.
    @Test func describeTransactions() throws {
        try roundTripRequest(
            request(.describeTransactions, 0).compactCount(2).compactString("job/out/0-1").compactString("tx").noTags()
        ) { #expect($0.body["TransactionalIds"]?.array?.compactMap(\.string) == ["job/out/0-1", "tx"]) }
        try roundTripResponse(
            response(.describeTransactions, 0).i32(0).compactCount(2)
                .i16(0).compactString("job/out/0-1").compactString("Ongoing").i32(900_000).i64(1_700_000_000_000)
                .i64(1000).i16(3).compactCount(1).compactString("b").compactCount(2).i32(0).i32(1).noTags().noTags()
                .i16(105).compactString("tx").compactString("").i32(0).i64(-1).i64(-1).i16(-1).compactCount(0).noTags()
                .noTags(),
            api: .describeTransactions, version: 0
        ) { response in
            let states = response.body.structs("TransactionStates")
            #expect(states.map { $0.string("TransactionState") } == ["Ongoing", ""])
            #expect(states.first?.int("ProducerEpoch") == 3)
            #expect(states.first?.first("Topics")?["Partitions"]?.array?.compactMap(\.int) == [0, 1])
            #expect(states.last?.int("ErrorCode") == 105)
        }
    }

    @Test func listTransactions() throws {
        try roundTripRequest(
            request(.listTransactions, 0).compactCount(1).compactString("Ongoing").compactCount(1).i64(1000).noTags()
        ) { #expect($0.body["ProducerIdFilters"]?.array?.compactMap(\.int) == [1000]) }
        try roundTripRequest(
            request(.listTransactions, 1).compactCount(0).compactCount(0).i64(60_000).noTags()
        ) { #expect($0.body.int("DurationFilter") == 60_000) }
        try roundTripResponse(
            response(.listTransactions, 0).i32(0).i16(0).compactCount(1).compactString("Nope")
                .compactCount(1).compactString("job/out/0-1").i64(1000).compactString("Ongoing").noTags().noTags(),
            api: .listTransactions, version: 0
        ) { response in
            #expect(response.body["UnknownStateFilters"]?.array?.compactMap(\.string) == ["Nope"])
            #expect(response.body.first("TransactionStates")?.string("TransactionalId") == "job/out/0-1")
        }
    }
}
