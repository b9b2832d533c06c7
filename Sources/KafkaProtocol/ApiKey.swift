/// The Kafka APIs this module can decode and encode, with the versions it
/// supports (the schemas' ranges).
public enum ApiKey: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case produce = 0
    case fetch = 1
    case listOffsets = 2
    case metadata = 3
    case offsetCommit = 8
    case offsetFetch = 9
    case findCoordinator = 10
    case joinGroup = 11
    case heartbeat = 12
    case leaveGroup = 13
    case syncGroup = 14
    case describeGroups = 15
    case listGroups = 16
    case saslHandshake = 17
    case apiVersions = 18
    case createTopics = 19
    case deleteTopics = 20
    case deleteRecords = 21
    case initProducerId = 22
    case addPartitionsToTxn = 24
    case addOffsetsToTxn = 25
    case endTxn = 26
    case txnOffsetCommit = 28
    case describeConfigs = 32
    case alterConfigs = 33
    case saslAuthenticate = 36
    case createPartitions = 37
    case deleteGroups = 42
    case incrementalAlterConfigs = 44
    case describeCluster = 60
    case describeTransactions = 65
    case listTransactions = 66

    public var requestSchema: MessageSchema {
        switch self {
        case .produce: .produceRequest
        case .fetch: .fetchRequest
        case .listOffsets: .listOffsetsRequest
        case .metadata: .metadataRequest
        case .offsetCommit: .offsetCommitRequest
        case .offsetFetch: .offsetFetchRequest
        case .findCoordinator: .findCoordinatorRequest
        case .joinGroup: .joinGroupRequest
        case .heartbeat: .heartbeatRequest
        case .leaveGroup: .leaveGroupRequest
        case .syncGroup: .syncGroupRequest
        case .describeGroups: .describeGroupsRequest
        case .listGroups: .listGroupsRequest
        case .saslHandshake: .saslHandshakeRequest
        case .apiVersions: .apiVersionsRequest
        case .createTopics: .createTopicsRequest
        case .deleteTopics: .deleteTopicsRequest
        case .deleteRecords: .deleteRecordsRequest
        case .initProducerId: .initProducerIdRequest
        case .addPartitionsToTxn: .addPartitionsToTxnRequest
        case .addOffsetsToTxn: .addOffsetsToTxnRequest
        case .endTxn: .endTxnRequest
        case .txnOffsetCommit: .txnOffsetCommitRequest
        case .describeConfigs: .describeConfigsRequest
        case .alterConfigs: .alterConfigsRequest
        case .saslAuthenticate: .saslAuthenticateRequest
        case .createPartitions: .createPartitionsRequest
        case .deleteGroups: .deleteGroupsRequest
        case .incrementalAlterConfigs: .incrementalAlterConfigsRequest
        case .describeCluster: .describeClusterRequest
        case .describeTransactions: .describeTransactionsRequest
        case .listTransactions: .listTransactionsRequest
        }
    }

    public var responseSchema: MessageSchema {
        switch self {
        case .produce: .produceResponse
        case .fetch: .fetchResponse
        case .listOffsets: .listOffsetsResponse
        case .metadata: .metadataResponse
        case .offsetCommit: .offsetCommitResponse
        case .offsetFetch: .offsetFetchResponse
        case .findCoordinator: .findCoordinatorResponse
        case .joinGroup: .joinGroupResponse
        case .heartbeat: .heartbeatResponse
        case .leaveGroup: .leaveGroupResponse
        case .syncGroup: .syncGroupResponse
        case .describeGroups: .describeGroupsResponse
        case .listGroups: .listGroupsResponse
        case .saslHandshake: .saslHandshakeResponse
        case .apiVersions: .apiVersionsResponse
        case .createTopics: .createTopicsResponse
        case .deleteTopics: .deleteTopicsResponse
        case .deleteRecords: .deleteRecordsResponse
        case .initProducerId: .initProducerIdResponse
        case .addPartitionsToTxn: .addPartitionsToTxnResponse
        case .addOffsetsToTxn: .addOffsetsToTxnResponse
        case .endTxn: .endTxnResponse
        case .txnOffsetCommit: .txnOffsetCommitResponse
        case .describeConfigs: .describeConfigsResponse
        case .alterConfigs: .alterConfigsResponse
        case .saslAuthenticate: .saslAuthenticateResponse
        case .createPartitions: .createPartitionsResponse
        case .deleteGroups: .deleteGroupsResponse
        case .incrementalAlterConfigs: .incrementalAlterConfigsResponse
        case .describeCluster: .describeClusterResponse
        case .describeTransactions: .describeTransactionsResponse
        case .listTransactions: .listTransactionsResponse
        }
    }

    /// The versions this module encodes and decodes.
    public var supportedVersions: ClosedRange<Int16> { requestSchema.versions }

    public var name: String { String(requestSchema.name.dropLast("Request".count)) }
    public var description: String { name }

    /// The request header version for a request version: v2 in flexible
    /// versions, v1 otherwise (v0 only ever served ControlledShutdown v0).
    public func requestHeaderVersion(_ version: Int16) -> Int16 {
        requestSchema.isFlexible(version) ? 2 : 1
    }

    /// The response header version: v1 in flexible versions, except that
    /// ApiVersions always answers with header v0, so that a client that
    /// does not yet know the broker's versions can read it (KIP-511).
    public func responseHeaderVersion(_ version: Int16) -> Int16 {
        self != .apiVersions && responseSchema.isFlexible(version) ? 1 : 0
    }
}
