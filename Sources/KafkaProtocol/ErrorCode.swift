/// Kafka's error codes (the protocol guide's "Error Codes" table), those
/// this module, the server and the log's broker logic (group coordinator,
/// idempotent producers, transactions, DeleteRecords) answer with: one
/// enum, so a handler puts the log's answer in a response as it is. The
/// values and names are those of Kafka's
/// `org.apache.kafka.common.protocol.Errors`.
public enum ErrorCode: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case unknownServerError = -1
    case none = 0
    case offsetOutOfRange = 1
    case corruptMessage = 2
    case unknownTopicOrPartition = 3
    case invalidFetchSize = 4
    case leaderNotAvailable = 5
    case notLeaderOrFollower = 6
    case requestTimedOut = 7
    case messageTooLarge = 10
    case offsetMetadataTooLarge = 12
    case coordinatorLoadInProgress = 14
    case coordinatorNotAvailable = 15
    case notCoordinator = 16
    case invalidTopicException = 17
    case recordListTooLarge = 18
    case notEnoughReplicas = 19
    case invalidRequiredAcks = 21
    case illegalGeneration = 22
    case inconsistentGroupProtocol = 23
    case invalidGroupId = 24
    case unknownMemberId = 25
    case invalidSessionTimeout = 26
    case rebalanceInProgress = 27
    case topicAuthorizationFailed = 29
    case groupAuthorizationFailed = 30
    case clusterAuthorizationFailed = 31
    case invalidTimestamp = 32
    case unsupportedSaslMechanism = 33
    case illegalSaslState = 34
    case unsupportedVersion = 35
    case topicAlreadyExists = 36
    case invalidPartitions = 37
    case invalidReplicationFactor = 38
    case invalidReplicaAssignment = 39
    case invalidConfig = 40
    case invalidRequest = 42
    case unsupportedForMessageFormat = 43
    case outOfOrderSequenceNumber = 45
    case duplicateSequenceNumber = 46
    case invalidProducerEpoch = 47
    case invalidTxnState = 48
    case invalidProducerIdMapping = 49
    case invalidTransactionTimeout = 50
    case concurrentTransactions = 51
    case kafkaStorageError = 56
    case saslAuthenticationFailed = 58
    case unknownProducerId = 59
    case nonEmptyGroup = 68
    case groupIdNotFound = 69
    case fetchSessionIdNotFound = 70
    case invalidFetchSessionEpoch = 71
    case unsupportedCompressionType = 76
    case memberIdRequired = 79
    case groupMaxSizeReached = 81
    case fencedInstanceId = 82
    case invalidRecord = 87
    case unstableOffsetCommit = 88
    case producerFenced = 90
    case transactionalIdNotFound = 105

    /// Kafka's name of the code, as its clients print it.
    public var description: String {
        switch self {
        case .unknownServerError: "UNKNOWN_SERVER_ERROR"
        case .none: "NONE"
        case .offsetOutOfRange: "OFFSET_OUT_OF_RANGE"
        case .corruptMessage: "CORRUPT_MESSAGE"
        case .unknownTopicOrPartition: "UNKNOWN_TOPIC_OR_PARTITION"
        case .invalidFetchSize: "INVALID_FETCH_SIZE"
        case .leaderNotAvailable: "LEADER_NOT_AVAILABLE"
        case .notLeaderOrFollower: "NOT_LEADER_OR_FOLLOWER"
        case .requestTimedOut: "REQUEST_TIMED_OUT"
        case .messageTooLarge: "MESSAGE_TOO_LARGE"
        case .offsetMetadataTooLarge: "OFFSET_METADATA_TOO_LARGE"
        case .coordinatorLoadInProgress: "COORDINATOR_LOAD_IN_PROGRESS"
        case .coordinatorNotAvailable: "COORDINATOR_NOT_AVAILABLE"
        case .notCoordinator: "NOT_COORDINATOR"
        case .invalidTopicException: "INVALID_TOPIC_EXCEPTION"
        case .recordListTooLarge: "RECORD_LIST_TOO_LARGE"
        case .notEnoughReplicas: "NOT_ENOUGH_REPLICAS"
        case .invalidRequiredAcks: "INVALID_REQUIRED_ACKS"
        case .illegalGeneration: "ILLEGAL_GENERATION"
        case .inconsistentGroupProtocol: "INCONSISTENT_GROUP_PROTOCOL"
        case .invalidGroupId: "INVALID_GROUP_ID"
        case .unknownMemberId: "UNKNOWN_MEMBER_ID"
        case .invalidSessionTimeout: "INVALID_SESSION_TIMEOUT"
        case .rebalanceInProgress: "REBALANCE_IN_PROGRESS"
        case .topicAuthorizationFailed: "TOPIC_AUTHORIZATION_FAILED"
        case .groupAuthorizationFailed: "GROUP_AUTHORIZATION_FAILED"
        case .clusterAuthorizationFailed: "CLUSTER_AUTHORIZATION_FAILED"
        case .invalidTimestamp: "INVALID_TIMESTAMP"
        case .unsupportedSaslMechanism: "UNSUPPORTED_SASL_MECHANISM"
        case .illegalSaslState: "ILLEGAL_SASL_STATE"
        case .unsupportedVersion: "UNSUPPORTED_VERSION"
        case .topicAlreadyExists: "TOPIC_ALREADY_EXISTS"
        case .invalidPartitions: "INVALID_PARTITIONS"
        case .invalidReplicationFactor: "INVALID_REPLICATION_FACTOR"
        case .invalidReplicaAssignment: "INVALID_REPLICA_ASSIGNMENT"
        case .invalidConfig: "INVALID_CONFIG"
        case .invalidRequest: "INVALID_REQUEST"
        case .unsupportedForMessageFormat: "UNSUPPORTED_FOR_MESSAGE_FORMAT"
        case .outOfOrderSequenceNumber: "OUT_OF_ORDER_SEQUENCE_NUMBER"
        case .duplicateSequenceNumber: "DUPLICATE_SEQUENCE_NUMBER"
        case .invalidProducerEpoch: "INVALID_PRODUCER_EPOCH"
        case .invalidTxnState: "INVALID_TXN_STATE"
        case .invalidProducerIdMapping: "INVALID_PRODUCER_ID_MAPPING"
        case .invalidTransactionTimeout: "INVALID_TRANSACTION_TIMEOUT"
        case .concurrentTransactions: "CONCURRENT_TRANSACTIONS"
        case .kafkaStorageError: "KAFKA_STORAGE_ERROR"
        case .saslAuthenticationFailed: "SASL_AUTHENTICATION_FAILED"
        case .unknownProducerId: "UNKNOWN_PRODUCER_ID"
        case .nonEmptyGroup: "NON_EMPTY_GROUP"
        case .groupIdNotFound: "GROUP_ID_NOT_FOUND"
        case .fetchSessionIdNotFound: "FETCH_SESSION_ID_NOT_FOUND"
        case .invalidFetchSessionEpoch: "INVALID_FETCH_SESSION_EPOCH"
        case .unsupportedCompressionType: "UNSUPPORTED_COMPRESSION_TYPE"
        case .memberIdRequired: "MEMBER_ID_REQUIRED"
        case .groupMaxSizeReached: "GROUP_MAX_SIZE_REACHED"
        case .fencedInstanceId: "FENCED_INSTANCE_ID"
        case .invalidRecord: "INVALID_RECORD"
        case .unstableOffsetCommit: "UNSTABLE_OFFSET_COMMIT"
        case .producerFenced: "PRODUCER_FENCED"
        case .transactionalIdNotFound: "TRANSACTIONAL_ID_NOT_FOUND"
        }
    }
}
