import KafkaProtocol

/// Appends from idempotent producers: the sequence check and the append
/// under one hold of the partition's lock.
extension PartitionLog {
    /// What `appendIdempotent` did with a batch.
    public enum IdempotentAppend: Sendable, Equatable {
        /// Appended at these offsets.
        case appended(first: Int64, last: Int64)
        /// A retry of a batch appended before at these offsets: not
        /// appended again; answer the producer with these offsets.
        case duplicate(first: Int64, last: Int64)
        /// Refused (nothing stored) with Kafka's code for the producer:
        /// OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH.
        case refused(ErrorCode, reason: String)
    }

    /// Appends one batch as `append` does, after checking its producer id,
    /// epoch and sequence against the partition's producer state (see
    /// `ProducerStateTable` for the rules): a duplicate of one of the
    /// producer's last five batches is answered with its original offsets
    /// and not appended again; a gap or an older epoch is refused. A batch
    /// without a producer id or sequence is appended unchecked. Check and
    /// append happen under the partition's lock, so two retries of one
    /// batch never both append.
    ///
    /// Transactional batches go through the `TransactionCoordinator`
    /// (`appendIdempotent(_:topic:partition:batch:)` there). Throws as
    /// `append` does (an invalid batch, a failed write).
    public func appendIdempotent(_ batch: inout [UInt8]) throws(LogError) -> IdempotentAppend {
        try appendChecked(&batch, transactional: false)
    }

    /// `appendIdempotent` for a transactional batch: for the
    /// `TransactionCoordinator` only (see `appendTransactional`).
    func appendTransactionalIdempotent(_ batch: inout [UInt8]) throws(LogError) -> IdempotentAppend {
        try appendChecked(&batch, transactional: true)
    }

    private func appendChecked(_ batch: inout [UInt8], transactional: Bool) throws(LogError) -> IdempotentAppend {
        let header: RecordBatchHeader
        do {
            header = try batch.withBytes { (buffer) throws(LogFormatError) in try RecordBatchHeader.parse(buffer) }
        } catch {
            throw .invalidBatch(partition, reason: error.message)
        }
        let (outcome, delay) = try withCore { (core) throws(LogError) -> (IdempotentAppend, Int64?) in
            try core.checkWritable("append to")
            switch core.checkProducer(header) {
            case let .duplicate(first, last):
                return (.duplicate(first: first, last: last), nil)
            case let .refuse(code, reason):
                return (.refused(code, reason: "\(partition): \(reason)"), nil)
            case .append:
                let result = try core.append(&batch, transactional: transactional)
                return (.appended(first: result.first, last: result.last), result.scheduleFlushAfterMilliseconds)
            }
        }
        if let delay { scheduleFlush(afterMilliseconds: delay) }
        return outcome
    }

    /// Forgets producers whose last batch is more than `idleMilliseconds`
    /// older than `now` (Kafka's `producer.id.expiration.ms`); returns how
    /// many. The maintenance scheduler calls it.
    @discardableResult
    public func expireProducers(now: Int64, idleMilliseconds: Int64) -> Int {
        withCore { core in core.expireProducers(now: now, idleMilliseconds: idleMilliseconds) }
    }

    /// How many producers the partition remembers.
    public var producerCount: Int { withCore { $0.producers.entries.count } }
}
