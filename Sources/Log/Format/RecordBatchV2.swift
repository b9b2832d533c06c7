import Checksums

/// Kafka RecordBatch v2: the bytes a log segment stores and the Kafka wire
/// protocol serves unchanged.
///
/// This type holds the operations on whole batches: checking the CRC,
/// assigning offsets, and (in its extensions) encoding and decoding records.
///
/// # Thread safety
/// Stateless; every function may be called from any thread. Functions that
/// write into a buffer need exclusive access to it for the call.
public enum RecordBatchV2 {
    /// Whether the batch at the start of `batch` has a valid header, is
    /// complete, and its stored CRC-32C matches bytes 21 ..< totalSize.
    ///
    /// Bytes past `totalSize` (the next batch in a segment) are ignored.
    public static func verifyCRC(_ batch: UnsafeRawBufferPointer) -> Bool {
        guard let header = try? RecordBatchHeader.parse(batch), batch.count >= header.totalSize else {
            return false
        }
        return computeCRC(batch, totalSize: header.totalSize) == header.crc
    }

    /// Throws unless `verifyCRC` holds, saying what is wrong and where.
    @discardableResult
    public static func checkCRC(_ batch: UnsafeRawBufferPointer) throws(LogFormatError) -> RecordBatchHeader {
        let header = try RecordBatchHeader.parse(batch)
        guard batch.count >= header.totalSize else {
            throw LogFormatError(
                .truncated, "batch of \(header.totalSize) bytes has only \(batch.count)", at: batch.count)
        }
        let actual = computeCRC(batch, totalSize: header.totalSize)
        guard actual == header.crc else {
            throw LogFormatError(
                .crcMismatch,
                "stored CRC-32C \(hex(header.crc)) does not match computed \(hex(actual))",
                at: RecordBatchHeader.Field.crc)
        }
        return header
    }

    /// Overwrites the baseOffset field of the batch at the start of `batch`.
    ///
    /// baseOffset lies outside the CRC, so a log assigns offsets at append
    /// without recomputing it; record offsets are deltas from it.
    public static func setBaseOffset(_ offset: Int64, in batch: UnsafeMutableRawBufferPointer) {
        precondition(batch.count >= RecordBatchHeader.Field.batchLength, "setBaseOffset on fewer than 8 bytes")
        batch.storeBigEndian(offset, at: RecordBatchHeader.Field.baseOffset)
    }

    /// Overwrites the partitionLeaderEpoch field, also outside the CRC.
    public static func setPartitionLeaderEpoch(_ epoch: Int32, in batch: UnsafeMutableRawBufferPointer) {
        precondition(batch.count >= RecordBatchHeader.Field.magic, "setPartitionLeaderEpoch on fewer than 16 bytes")
        batch.storeBigEndian(epoch, at: RecordBatchHeader.Field.partitionLeaderEpoch)
    }

    /// Stamps the batch with the log's append time (Kafka's LogAppendTime):
    /// sets the timestamp-type bit of its attributes and its maxTimestamp
    /// to `time`, and recomputes the CRC that covers both (one pass over
    /// the batch, as Kafka's broker does). Every record then reads `time`
    /// back as its timestamp (`DecodedRecord`); the records' own deltas
    /// stay as the producer wrote them. Returns the new header fields.
    public static func setLogAppendTime(
        _ time: Int64, in batch: UnsafeMutableRawBufferPointer, header: RecordBatchHeader
    ) -> RecordBatchHeader {
        precondition(batch.count >= header.totalSize, "setLogAppendTime on a partial batch")
        var stamped = header
        stamped.attributes = header.attributes | RecordBatchHeader.timestampTypeBit
        stamped.maxTimestamp = time
        batch.storeBigEndian(stamped.attributes, at: RecordBatchHeader.Field.attributes)
        batch.storeBigEndian(time, at: RecordBatchHeader.Field.maxTimestamp)
        stamped.crc = computeCRC(UnsafeRawBufferPointer(batch), totalSize: header.totalSize)
        batch.storeBigEndian(stamped.crc, at: RecordBatchHeader.Field.crc)
        return stamped
    }

    /// CRC-32C of bytes 21 ..< totalSize; the caller has checked the bounds.
    @inline(__always)
    static func computeCRC(_ batch: UnsafeRawBufferPointer, totalSize: Int) -> UInt32 {
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: batch[RecordBatchHeader.Field.attributes ..< totalSize]))
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
