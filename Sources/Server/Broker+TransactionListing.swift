import KafkaProtocol
import Log

/// DescribeTransactions and ListTransactions (KIP-664: what
/// `kafka-transactions.sh` uses) over the coordinator's registry. A job
/// that writes through the server needs them to find, after a restart, the
/// transactions its checkpoint pre-committed (to commit them) and those no
/// checkpoint covers (to abort them).
extension Broker {
    /// Kafka's name of a transaction state.
    static func kafkaStateName(_ state: TransactionState) -> String {
        switch state {
        case .ongoing: "Ongoing"
        case .committing: "PrepareCommit"
        case .aborting: "PrepareAbort"
        case .committed: "CompleteCommit"
        case .aborted: "CompleteAbort"
        }
    }

    func describeTransactions(_ request: Request) -> ProtocolStruct {
        let ids = (request.body["TransactionalIds"]?.array ?? []).compactMap(\.string)
        let states = ids.map { id -> ProtocolValue in
            guard let status = data.transactions.status(transactionalId: id) else {
                return .structure(ProtocolStruct([
                    "ErrorCode": ErrorCode.transactionalIdNotFound.value, "TransactionalId": .string(id),
                    "TransactionState": .string(""), "TransactionTimeoutMs": .int(0),
                    "TransactionStartTimeMs": .int(-1), "ProducerId": .int(-1), "ProducerEpoch": .int(-1),
                    "Topics": .array([]),
                ]))
            }
            let topics = Dictionary(grouping: status.partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                ProtocolValue.structure(ProtocolStruct([
                    "Topic": .string(topic), "Partitions": .array(partitions.map { .int(Int64($0.partition)) }),
                ]))
            }
            let timeoutMs = status.timeoutMs ?? transactionTimeouts.withLock { $0[id] } ?? Self.transactionTimeoutMsDefault
            return .structure(ProtocolStruct([
                "ErrorCode": ErrorCode.none.value, "TransactionalId": .string(id),
                "TransactionState": .string(Self.kafkaStateName(status.state)),
                "TransactionTimeoutMs": .int(timeoutMs), "TransactionStartTimeMs": .int(status.startedMilliseconds ?? -1),
                "ProducerId": .int(status.producerId), "ProducerEpoch": .int(Int64(status.producerEpoch)),
                "Topics": .array(topics),
            ]))
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "TransactionStates": .array(states)])
    }

    /// v0 only: v1's DurationFilter is not served.
    func listTransactions(_ request: Request) -> ProtocolStruct {
        let known = Set(TransactionState.allCases.map(Self.kafkaStateName))
        let stateFilters = (request.body["StateFilters"]?.array ?? []).compactMap(\.string)
        let producerFilters = Set((request.body["ProducerIdFilters"]?.array ?? []).compactMap(\.int))
        let wanted = Set(stateFilters).intersection(known)
        let states = data.transactions.statuses.filter { status in
            (stateFilters.isEmpty || wanted.contains(Self.kafkaStateName(status.state)))
                && (producerFilters.isEmpty || producerFilters.contains(status.producerId))
        }.sorted { $0.transactionalId < $1.transactionalId }.map { status in
            ProtocolValue.structure(ProtocolStruct([
                "TransactionalId": .string(status.transactionalId), "ProducerId": .int(status.producerId),
                "TransactionState": .string(Self.kafkaStateName(status.state)),
            ]))
        }
        return ProtocolStruct([
            "ThrottleTimeMs": .int(0), "ErrorCode": ErrorCode.none.value,
            "UnknownStateFilters": .array(stateFilters.filter { !known.contains($0) }.map { .string($0) }),
            "TransactionStates": .array(states),
        ])
    }
}
