/// The Kafka protocol's error codes that the broker-side logic of the log
/// answers with (group coordinator, idempotent producers, DeleteRecords),
/// with Kafka's numeric values, so a protocol handler can put them in a
/// response as they are.
///
/// Listed are the codes this module answers with, plus OFFSET_OUT_OF_RANGE
/// and PRODUCER_FENCED, Kafka's codes for `LogError.offsetOutOfRange` and
/// `LogError.producerFenced`; the values are those of Kafka's
/// `org.apache.kafka.common.protocol.Errors`.
///
/// # Thread safety
/// A value type; `Sendable`.
public enum KafkaErrorCode: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case offsetOutOfRange = 1
    case unknownTopicOrPartition = 3
    case offsetMetadataTooLarge = 12
    case coordinatorNotAvailable = 15
    case illegalGeneration = 22
    case inconsistentGroupProtocol = 23
    case invalidGroupId = 24
    case unknownMemberId = 25
    case invalidSessionTimeout = 26
    case rebalanceInProgress = 27
    case outOfOrderSequenceNumber = 45
    case invalidProducerEpoch = 47
    case invalidTxnState = 48
    case invalidTransactionTimeout = 50
    case kafkaStorageError = 56
    case nonEmptyGroup = 68
    case groupIdNotFound = 69
    case memberIdRequired = 79
    case groupMaxSizeReached = 81
    case fencedInstanceId = 82
    case producerFenced = 90

    /// Kafka's name of the code, as its clients print it.
    public var description: String {
        switch self {
        case .none: "NONE"
        case .offsetOutOfRange: "OFFSET_OUT_OF_RANGE"
        case .unknownTopicOrPartition: "UNKNOWN_TOPIC_OR_PARTITION"
        case .offsetMetadataTooLarge: "OFFSET_METADATA_TOO_LARGE"
        case .coordinatorNotAvailable: "COORDINATOR_NOT_AVAILABLE"
        case .illegalGeneration: "ILLEGAL_GENERATION"
        case .inconsistentGroupProtocol: "INCONSISTENT_GROUP_PROTOCOL"
        case .invalidGroupId: "INVALID_GROUP_ID"
        case .unknownMemberId: "UNKNOWN_MEMBER_ID"
        case .invalidSessionTimeout: "INVALID_SESSION_TIMEOUT"
        case .rebalanceInProgress: "REBALANCE_IN_PROGRESS"
        case .outOfOrderSequenceNumber: "OUT_OF_ORDER_SEQUENCE_NUMBER"
        case .invalidProducerEpoch: "INVALID_PRODUCER_EPOCH"
        case .invalidTxnState: "INVALID_TXN_STATE"
        case .invalidTransactionTimeout: "INVALID_TRANSACTION_TIMEOUT"
        case .kafkaStorageError: "KAFKA_STORAGE_ERROR"
        case .nonEmptyGroup: "NON_EMPTY_GROUP"
        case .groupIdNotFound: "GROUP_ID_NOT_FOUND"
        case .memberIdRequired: "MEMBER_ID_REQUIRED"
        case .groupMaxSizeReached: "GROUP_MAX_SIZE_REACHED"
        case .fencedInstanceId: "FENCED_INSTANCE_ID"
        case .producerFenced: "PRODUCER_FENCED"
        }
    }
}
