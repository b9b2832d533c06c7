/// Transactional batches from Kafka clients, which are idempotent too:
/// their sequences are checked as `PartitionLog.appendIdempotent` checks
/// them.
extension TransactionCoordinator {
    /// A producer id for an idempotent producer without a transactional id
    /// (Kafka's InitProducerId with a null transactional id), epoch 0.
    /// Never handed out before in this data directory (see
    /// `ProducerIdAllocator`).
    public func allocateProducerId() throws(LogError) -> Int64 {
        try producerIds.allocate()
    }

    /// Appends a batch of the handle's transaction as `append` does, with
    /// the producer's sequence checked: a retried batch is answered with
    /// its original offsets, a gap or an older epoch refused (see
    /// `PartitionLog.IdempotentAppend`). Throws `transactionNotOpen`,
    /// `producerFenced` and the append's errors as `append` does.
    public func appendIdempotent(
        _ handle: TransactionHandle, topic: String, partition: Int, batch: inout [UInt8]
    ) throws(LogError) -> PartitionLog.IdempotentAppend {
        try register(handle, topic: topic, partition: partition, batch: batch).appendTransactionalIdempotent(&batch)
    }
}
