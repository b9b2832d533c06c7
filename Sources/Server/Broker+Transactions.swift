import KafkaProtocol
import Log
import Synchronization

/// Transactional producers over the log's `TransactionCoordinator`, in
/// Kafka's protocol: InitProducerId with a transactional id begins (and
/// fences an older instance by bumping the epoch), AddPartitionsToTxn and
/// AddOffsetsToTxn open the producer's next transaction at the same epoch
/// (`continueTransaction`, which starts its timeout), transactional
/// Produce appends through the coordinator with sequence checks,
/// TxnOffsetCommit commits offsets in the transaction, EndTxn commits or
/// aborts.
extension Broker {
    /// Kafka's default `transaction.timeout.ms`: the timeout of a producer
    /// whose InitProducerId this process did not see (before a restart).
    static let transactionTimeoutMsDefault: Int64 = 60_000

    func initTransactionalProducer(_ request: Request, transactionalId: String) -> ProtocolStruct {
        var answer = ProtocolStruct(["ThrottleTimeMs": .int(0), "ProducerId": .int(-1), "ProducerEpoch": .int(-1)])
        let timeoutMs = request.body.int("TransactionTimeoutMs")
        guard timeoutMs > 0, timeoutMs <= config.transactionMaxTimeoutMs else {
            let limit = config.transactionMaxTimeoutMs
            logger.info(
                "InitProducerId of '\(transactionalId)': transaction.timeout.ms=\(timeoutMs) is not in 1 to transaction.max.timeout.ms=\(limit)")
            answer["ErrorCode"] = ErrorCode.invalidTransactionTimeout.value
            return answer
        }
        do {
            // The new epoch is stored before the answer: the older
            // instance stays fenced across a restart.
            let handle = try data.transactions.begin(transactionalId: transactionalId, recordsEpoch: true)
            transactionTimeouts.withLock { $0[transactionalId] = timeoutMs }
            answer["ProducerId"] = .int(handle.producerId)
            answer["ProducerEpoch"] = .int(Int64(handle.producerEpoch))
            answer["ErrorCode"] = ErrorCode.none.value
        } catch {
            logger.error("InitProducerId of '\(transactionalId)' failed: \(error)")
            answer["ErrorCode"] = Self.transactionErrorCode(error).value
        }
        return answer
    }

    /// The handle a request names, its transaction opened.
    private func openTransaction(_ transactionalId: String, producerId: Int64, epoch: Int64) -> Result<TransactionHandle, RequestFailure> {
        let handle = TransactionHandle(
            transactionalId: transactionalId, producerId: producerId, producerEpoch: Int16(truncatingIfNeeded: epoch))
        let timeoutMs = transactionTimeouts.withLock { $0[transactionalId] } ?? Self.transactionTimeoutMsDefault
        switch data.transactions.continueTransaction(handle, timeoutMs: timeoutMs) {
        case .open: return .success(handle)
        case let .refused(code, reason): return .failure(RequestFailure(code, reason))
        }
    }

    func addPartitionsToTxn(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let opened = openTransaction(
            body.string("V3AndBelowTransactionalId") ?? "", producerId: body.int("V3AndBelowProducerId"),
            epoch: body.int("V3AndBelowProducerEpoch"))
        if case let .failure(failure) = opened { logger.debug("AddPartitionsToTxn refused: \(failure.message)") }
        let results = body.structs("V3AndBelowTopics").map { topic -> ProtocolValue in
            let name = topic.string("Name") ?? ""
            let partitionCount = (try? data.topic(named: name))?.partitionCount ?? 0
            let partitions = (topic["Partitions"]?.array ?? []).compactMap(\.int).map { index -> ProtocolValue in
                let code: ErrorCode
                switch opened {
                case let .failure(failure): code = failure.code
                case .success: code = index >= 0 && index < partitionCount ? .none : .unknownTopicOrPartition
                }
                return .structure(ProtocolStruct(["PartitionIndex": .int(index), "PartitionErrorCode": code.value]))
            }
            return .structure(ProtocolStruct(["Name": .string(name), "ResultsByPartition": .array(partitions)]))
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "ResultsByTopicV3AndBelow": .array(results)])
    }

    func addOffsetsToTxn(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let opened = openTransaction(
            body.string("TransactionalId") ?? "", producerId: body.int("ProducerId"), epoch: body.int("ProducerEpoch"))
        let code: ErrorCode
        switch opened {
        case .success: code = .none
        case let .failure(failure): code = failure.code
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "ErrorCode": code.value])
    }

    func txnOffsetCommit(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let handle = TransactionHandle(
            transactionalId: body.string("TransactionalId") ?? "", producerId: body.int("ProducerId"),
            producerEpoch: Int16(truncatingIfNeeded: body.int("ProducerEpoch")))
        let commit = OffsetCommitRequest(
            groupId: body.string("GroupId") ?? "", generationId: Int32(truncatingIfNeeded: body.int("GenerationId", or: -1)),
            memberId: body.string("MemberId") ?? "", groupInstanceId: body.string("GroupInstanceId"),
            offsets: Self.committedOffsets(body))
        let answer = groups.commitTransactionalOffsets(TxnOffsetCommitRequest(transaction: handle, commit: commit))
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "Topics": Self.commitResults(answer)])
    }

    func endTxn(_ request: Request) -> ProtocolStruct {
        let body = request.body
        let id = body.string("TransactionalId") ?? ""
        let handle = TransactionHandle(
            transactionalId: id, producerId: body.int("ProducerId"),
            producerEpoch: Int16(truncatingIfNeeded: body.int("ProducerEpoch")))
        let commit = body["Committed"]?.bool ?? false
        var code = ErrorCode.none
        if let fenced = fencing(handle) {
            code = fenced.code
        } else {
            do {
                if commit { try data.transactions.commit(handle) } else { try data.transactions.abort(handle) }
            } catch {
                logger.info("EndTxn of '\(id)' (\(commit ? "commit" : "abort")) failed: \(error)")
                code = Self.transactionErrorCode(error)
            }
        }
        return ProtocolStruct(["ThrottleTimeMs": .int(0), "ErrorCode": code.value])
    }

    /// PRODUCER_FENCED when the id has moved to a newer epoch than the
    /// handle's (a zombie instance), else nil.
    func fencing(_ handle: TransactionHandle) -> RequestFailure? {
        guard let status = data.transactions.status(transactionalId: handle.transactionalId),
              status.producerId != handle.producerId || status.producerEpoch > handle.producerEpoch
        else { return nil }
        return RequestFailure(
            .producerFenced,
            "transactional id '\(handle.transactionalId)' is at producer id \(status.producerId) epoch "
                + "\(status.producerEpoch); this producer has \(handle.producerId) epoch \(handle.producerEpoch)")
    }

    /// Appends a transactional batch of `transactionalId` (Produce).
    func appendTransactional(
        _ batch: inout [UInt8], header: RecordBatchHeader, transactionalId: String?, topic: Topic, partition index: Int32
    ) throws(RequestFailure) -> PartitionLog.IdempotentAppend {
        guard let transactionalId else {
            throw RequestFailure(.invalidRequest, "a transactional batch needs the request's transactional id")
        }
        let handle = TransactionHandle(
            transactionalId: transactionalId, producerId: header.producerId, producerEpoch: header.producerEpoch)
        if let fenced = fencing(handle) { throw fenced }
        do {
            return try data.transactions.appendIdempotent(handle, topic: topic.name, partition: Int(index), batch: &batch)
        } catch {
            throw RequestFailure(Self.transactionErrorCode(error), "\(error)")
        }
    }

    /// Kafka's code for a transaction's log error.
    static func transactionErrorCode(_ error: any Error) -> ErrorCode {
        switch error as? LogError {
        case .transactionNotOpen?: .invalidTxnState
        case .producerFenced?: .producerFenced
        case .invalidTransactionalId?: .invalidRequest
        default: errorCode(error)
        }
    }
}
