import Columns
import Core

extension LogSlice {
    /// Decodes the records of the visible batches (`visibleBatches`) at or
    /// after `from` and before `until` into `into`, at most `recordsMax`,
    /// appending their offsets to `offsets` when it is not nil; returns
    /// where the next read continues.
    ///
    /// That is right after the last record appended when `recordsMax` cut
    /// a batch short (offsets may have gaps: never `from` + a count), else
    /// after the last batch read, never past `until`. Batches that are not
    /// visible (markers, aborted transactions) are stepped over.
    /// `checksumsVerified` skips the CRC for batches the caller's log has
    /// just checked.
    ///
    /// Record headers go into `into`'s headers column (ABI 1.3,
    /// `ColumnarValues.headers`; a record without headers has an empty
    /// list) when a record read has some; `into` must then hold no typed
    /// columns yet. A batch whose records have none stays a plain byte
    /// batch.
    public func decodeRecords(
        into: RecordBatch, from: Int64, until: Int64 = .max, recordsMax: Int, offsets: inout [Int64]?,
        checksumsVerified: Bool
    ) throws(LogFormatError) -> Int64 {
        precondition(recordsMax >= 0, "recordsMax \(recordsMax) is negative")
        var next = from
        let visible = visibleBatches
        var visibleIndex = 0
        var appended = 0
        precondition(into.columnar == nil, "decodeRecords into a batch that has typed columns or headers")
        var headers: Column?
        let failure: LogFormatError? = bytes.withUnsafeBytes { raw in
            var position = 0
            while position < raw.count && appended < recordsMax && next < until {
                let batch = UnsafeRawBufferPointer(rebasing: raw[position...])
                do throws(LogFormatError) {
                    let header = try RecordBatchHeader.parse(batch)
                    guard position + header.totalSize <= raw.count else { break }
                    let isVisible = visibleIndex < visible.count && visible[visibleIndex].lowerBound == position
                    position += header.totalSize
                    guard isVisible else {
                        next = Swift.max(next, header.nextOffset)
                        continue
                    }
                    visibleIndex += 1
                    var appender = RecordBatchAppender(batch: into, fromOffset: next, limit: recordsMax - appended)
                    appender.lastOffsetIncluded = until == .max ? .max : until - 1
                    appender.offsets = offsets
                    offsets = nil
                    appender.collectsHeaders = true
                    appender.headers = headers
                    headers = nil
                    try RecordBatchV2.visitRecords(batch, visitor: &appender, verifyCRC: !checksumsVerified) { header in
                        header.lastOffset >= next
                    }
                    offsets = appender.offsets
                    headers = appender.headers
                    appended += appender.appended
                    next = appender.cutShort ? appender.lastAppendedOffset + 1 : Swift.max(next, header.nextOffset)
                } catch {
                    return error
                }
            }
            return nil
        }
        if let headers {
            // Rows appended after the last record with headers have none.
            while headers.length < into.count { headers.appendList() }
            into.columnar = ColumnarValues(schema: Schema([]), values: nil, headers: headers)
        }
        if let failure { throw failure }
        return Swift.min(next, until)
    }
}
