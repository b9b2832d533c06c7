import Core

/// Where a transaction is in its life, as the registry records it.
///
/// `committing` and `aborting` are written (and fsynced) before the markers:
/// a registry that says so after a crash means "the decision is taken,
/// finish writing the markers", which the coordinator does when it opens.
public enum TransactionState: String, Sendable, CaseIterable {
    case ongoing, committing, aborting, committed, aborted

    /// Whether the transaction is decided but its markers may be missing.
    public var isCompleting: Bool { self == .committing || self == .aborting }
}

/// One transactional id's entry in the registry (`__transaction_state`):
/// its producer id and epoch, the partitions its current (or last)
/// transaction wrote to, and that transaction's state.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct TransactionStatus: Sendable, Equatable {
    public let transactionalId: String
    public var producerId: Int64
    public var producerEpoch: Int16
    public var state: TransactionState
    /// Sorted by topic and partition.
    public var partitions: [TopicPartition]
    /// When the entry was last written, milliseconds since the Unix epoch.
    public var updatedMilliseconds: Int64
    /// The transaction's timeout (`transaction.timeout.ms`) and when it
    /// began, for a transaction begun with one; nil otherwise (see
    /// `TransactionCoordinator+Timeouts.swift`).
    public var timeoutMs: Int64?
    public var startedMilliseconds: Int64?

    public init(
        transactionalId: String, producerId: Int64, producerEpoch: Int16, state: TransactionState,
        partitions: [TopicPartition], updatedMilliseconds: Int64, timeoutMs: Int64? = nil,
        startedMilliseconds: Int64? = nil
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.state = state
        self.partitions = partitions
        self.updatedMilliseconds = updatedMilliseconds
        self.timeoutMs = timeoutMs
        self.startedMilliseconds = startedMilliseconds
    }

    /// The registry record: key the transactional id (UTF-8), value JSON.
    func encodeValue() -> [UInt8] {
        let partitionList = JSONValue.array(partitions.map {
            .array([.string($0.topic), .int(Int64($0.partition))])
        })
        var fields: [(String, JSONValue)] = [
            ("producer_id", .int(producerId)), ("producer_epoch", .int(Int64(producerEpoch))),
            ("state", .string(state.rawValue)), ("partitions", partitionList),
            ("updated_ms", .int(updatedMilliseconds)),
        ]
        if let timeoutMs, let startedMilliseconds {
            fields.append(("timeout_ms", .int(timeoutMs)))
            fields.append(("started_ms", .int(startedMilliseconds)))
        }
        return Array(JSONValue.object(JSONObject(fields)).serialized().utf8)
    }

    /// Reads a registry record back; the reason when it is not one.
    static func decode(key: [UInt8], value: [UInt8]) -> Result<TransactionStatus, LogError> {
        func failure(_ detail: String) -> Result<TransactionStatus, LogError> {
            .failure(.corruptTransactionRegistry(offset: -1, detail: detail))
        }
        guard let id = String(validating: key, as: UTF8.self) else { return failure("the key is not UTF-8") }
        guard let json = value.withUnsafeBytes({ try? JSONValue.parse(bytes: $0) }) else {
            return failure("the value of '\(id)' is not JSON")
        }
        guard let producerId = json["producer_id"]?.int64Value,
              let epoch = json["producer_epoch"]?.int64Value, let epoch16 = Int16(exactly: epoch),
              let state = json["state"]?.stringValue.flatMap(TransactionState.init(rawValue:)),
              let list = json["partitions"]?.arrayValue
        else { return failure("the value of '\(id)' lacks producer_id, producer_epoch, state or partitions") }
        var partitions: [TopicPartition] = []
        for item in list {
            guard let pair = item.arrayValue, pair.count == 2, let topic = pair[0].stringValue,
                  let number = pair[1].int64Value
            else { return failure("a partition of '\(id)' is not [topic, number]") }
            partitions.append(TopicPartition(topic: topic, partition: Int(number)))
        }
        return .success(TransactionStatus(
            transactionalId: id, producerId: producerId, producerEpoch: epoch16, state: state,
            partitions: partitions, updatedMilliseconds: json["updated_ms"]?.int64Value ?? 0,
            timeoutMs: json["timeout_ms"]?.int64Value, startedMilliseconds: json["started_ms"]?.int64Value))
    }
}

/// A transaction a caller may append to and commit or abort: the
/// transactional id with the producer id and epoch it was given. A handle
/// from an older epoch is fenced.
///
/// # Thread safety
/// A value type; `Sendable`.
public struct TransactionHandle: Sendable, Hashable {
    public let transactionalId: String
    public let producerId: Int64
    public let producerEpoch: Int16

    /// A handle as a Kafka client's request names it; the coordinator
    /// checks it against the id's open transaction on every use.
    public init(transactionalId: String, producerId: Int64, producerEpoch: Int16) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
    }
}
