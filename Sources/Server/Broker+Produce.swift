import KafkaProtocol
import Log

/// Produce: each partition's record set must be exactly one RecordBatch v2
/// (Kafka's rule for v3+). It is stored as sent, compression untouched;
/// the log checks its CRC, offsets, size and every record on append
/// (INVALID_RECORD or CORRUPT_MESSAGE for a bad record, per partition).
extension Broker {
    func produce(_ request: Request) -> ProtocolStruct? {
        let acks = request.body.int("Acks")
        let acksValid = acks == 0 || acks == 1 || acks == -1
        let responses = request.body.structs("TopicData").map { topicData -> ProtocolValue in
            let name = topicData.string("Name") ?? ""
            let topic = Result { () throws(LogError) -> Topic in try data.topic(named: name) }
            let partitions = topicData.structs("PartitionData").map { partitionData -> ProtocolValue in
                let index = Int32(partitionData.int("Index"))
                var answer = ProtocolStruct([
                    "Index": .int(Int64(index)), "BaseOffset": .int(-1), "LogAppendTimeMs": .int(-1),
                    "LogStartOffset": .int(-1), "RecordErrors": .array([]), "ErrorMessage": .null,
                ])
                let outcome: Result<(first: Int64, startOffset: Int64), RequestFailure>
                if !acksValid {
                    outcome = .failure(RequestFailure(.invalidRequiredAcks, "acks must be 0, 1 or -1, not \(acks)"))
                } else if let refusal = Self.internalTopicRefusal(name, "append to") {
                    // Kafka's ReplicaManager refuses it the same way.
                    outcome = .failure(refusal)
                } else {
                    outcome = Result { () throws(RequestFailure) -> (first: Int64, startOffset: Int64) in
                        let topic = try topic.mapError { RequestFailure($0) }.get()
                        guard case .bytes(let records)? = partitionData["Records"] else {
                            throw RequestFailure(.invalidRecord, "the record set is null")
                        }
                        return try append(
                            topic: topic, partition: index, recordSet: records,
                            transactionalId: request.body.string("TransactionalId"))
                    }
                }
                switch outcome {
                case .success(let offsets):
                    answer["ErrorCode"] = ErrorCode.none.value
                    answer["BaseOffset"] = .int(offsets.first)
                    answer["LogStartOffset"] = .int(offsets.startOffset)
                case .failure(let failure):
                    answer["ErrorCode"] = failure.code.value
                    answer["ErrorMessage"] = .string(failure.message)
                    logger.debug("produce to \(name)/\(index) refused: \(failure.message)")
                }
                return .structure(answer)
            }
            return .structure(ProtocolStruct(["Name": .string(name), "PartitionResponses": .array(partitions)]))
        }
        guard acks != 0 else { return nil }
        return ProtocolStruct(["Responses": .array(responses), "ThrottleTimeMs": .int(0)])
    }

    /// Whether a Produce request can run on the connection's thread
    /// instead of `offloaded`: not transactional (that also writes the
    /// transaction coordinator's log), and every topic it names either
    /// does not exist (answered with an error, no log work) or has
    /// `flush.mode=never`, so its appends copy into the page cache under
    /// the partition's lock and never wait for an fsync (the kernel can
    /// still throttle such a write when dirty pages pile up, and a segment
    /// roll creates files: both short next to an fsync).
    func appendsWithoutSync(_ request: Request) -> Bool {
        guard request.body.string("TransactionalId") == nil else { return false }
        return request.body.structs("TopicData").allSatisfy { topicData in
            let topic = try? data.topic(named: topicData.string("Name") ?? "")
            return (topic?.config.flushMode ?? .never) == .never
        }
    }

    /// The one path every produced batch takes into the log: framing and
    /// size checks, the producer's sequence check and the append (which
    /// checks CRC, magic and offsets) under one lock, and the wake-up of
    /// long-polling fetches.
    func append(
        topic: Topic, partition index: Int32, recordSet: ArraySlice<UInt8>, transactionalId: String?
    ) throws(RequestFailure)
        -> (first: Int64, startOffset: Int64)
    {
        let partition: PartitionLog
        do { partition = try topic.partition(Int(index)) } catch { throw RequestFailure(error) }
        var batch = Array(recordSet)
        let header: RecordBatchHeader
        do {
            header = try batch.withUnsafeBytes { bytes throws(LogFormatError) in try RecordBatchHeader.parse(bytes) }
        } catch {
            throw RequestFailure(.corruptMessage, "the record set is not a RecordBatch v2: \(error)")
        }
        guard header.totalSize == batch.count else {
            throw RequestFailure(
                .invalidRecord,
                "the record set holds \(batch.count) bytes but its first batch \(header.totalSize); "
                    + "send exactly one batch per partition")
        }
        let limit = topic.config.maxMessageBytes
        guard batch.count <= limit else {
            throw RequestFailure(.messageTooLarge, "batch of \(batch.count) bytes exceeds max.message.bytes \(limit)")
        }
        guard !header.isControl else {
            throw RequestFailure(.invalidRecord, "a client may not write control batches (transaction markers)")
        }
        // A batch of an idempotent producer has its sequence checked; one
        // without a producer id is appended unchecked; a transactional one
        // goes through the transaction coordinator.
        let outcome: PartitionLog.IdempotentAppend
        if header.isTransactional {
            outcome = try appendTransactional(
                &batch, header: header, transactionalId: transactionalId, topic: topic, partition: index)
        } else {
            do { outcome = try partition.appendIdempotent(&batch) } catch { throw RequestFailure(error) }
        }
        switch outcome {
        case .appended(let first, _):
            notifier.appended(.init(topic: topic.name, partition: index))
            metrics?.appended(topic: topic.name, bytes: batch.count, records: Int(header.recordCount))
            return (first, partition.startOffset)
        case .duplicate(let first, _):
            // A retry of a batch already stored: its original offsets.
            return (first, partition.startOffset)
        case .refused(let code, let reason):
            throw RequestFailure(code, reason)
        }
    }
}

/// InitProducerId for idempotent producers (a null transactional id; a
/// transactional one is in Broker+Transactions.swift): a
/// producer id never handed out before in this data directory, epoch 0,
/// as Kafka gives (also to a producer that asks again after
/// UNKNOWN_PRODUCER_ID: a new id, KIP-360).
extension Broker {
    func initProducerId(_ request: Request) -> ProtocolStruct {
        var answer = ProtocolStruct(["ThrottleTimeMs": .int(0), "ProducerId": .int(-1), "ProducerEpoch": .int(-1)])
        if let transactionalId = request.body.string("TransactionalId") {
            return initTransactionalProducer(request, transactionalId: transactionalId)
        }
        do {
            answer["ProducerId"] = .int(try data.transactions.allocateProducerId())
            answer["ProducerEpoch"] = .int(0)
            answer["ErrorCode"] = ErrorCode.none.value
        } catch {
            logger.error("InitProducerId: no producer id allocated: \(error)")
            answer["ErrorCode"] = Self.errorCode(error).value
        }
        return answer
    }
}
