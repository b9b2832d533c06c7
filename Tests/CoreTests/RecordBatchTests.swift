import Core
import Testing

@Suite("RecordBatch")
struct RecordBatchTests {
    private func record(_ batch: RecordBatch, _ index: Int) -> (Int64, [UInt8]?, [UInt8]?) {
        batch.withRecord(at: index) { ($0, $1.map(Array.init), $2.map(Array.init)) }
    }

    @Test func appendsAndReadsBackRecordsWithNulls() {
        let batch = RecordBatch(recordCapacity: 2, valueBytesCapacity: 64)
        let rows: [(Int64, [UInt8]?, [UInt8]?)] = (0..<500).map { i in
            let key: [UInt8]? = i % 7 == 0 ? nil : Array("k\(i)".utf8)
            let value: [UInt8]? = i % 11 == 0 ? nil : (i % 13 == 0 ? [] : Array(String(repeating: "v", count: i).utf8))
            return (Int64(i) * 10, key, value)
        }
        for (timestamp, key, value) in rows {
            let append = { (k: UnsafeRawBufferPointer?) in
                if let value {
                    value.withUnsafeBytes { batch.append(timestamp: timestamp, key: k, value: $0) }
                } else {
                    batch.append(timestamp: timestamp, key: k, value: nil)
                }
            }
            if let key { key.withUnsafeBytes { append($0) } } else { append(nil) }
        }
        #expect(batch.count == rows.count)
        for (index, row) in rows.enumerated() {
            let got = record(batch, index)
            #expect(got.0 == row.0 && got.1 == row.1 && got.2 == row.2)
        }
        #expect(batch.flags(at: 0) == RecordBatch.keyNullFlag | RecordBatch.valueNullFlag)
        #expect(batch.flags(at: 1) == 0)
    }

    @Test func bulkAppendRebasesOffsetsAndKeepsNullKeys() {
        let source = RecordBatch()
        for i in 0..<10 {
            Array("value-\(i)".utf8).withUnsafeBytes { value in
                if i.isMultiple(of: 2) {
                    Array("key-\(i)".utf8).withUnsafeBytes { source.append(timestamp: Int64(i), key: $0, value: value) }
                } else {
                    source.append(timestamp: Int64(i), key: nil, value: value)
                }
            }
        }
        let target = RecordBatch()
        Array("first".utf8).withUnsafeBytes { target.append(timestamp: -1, key: $0, value: $0) }
        target.append(contentsOf: source)
        target.append(contentsOf: source)
        #expect(target.count == 21)
        #expect(record(target, 0).2 == Array("first".utf8))
        for i in 0..<20 {
            let got = record(target, i + 1)
            #expect(got.0 == Int64(i % 10))
            #expect(got.2 == Array("value-\(i % 10)".utf8))
            #expect(got.1 == (i % 2 == 0 ? Array("key-\(i % 10)".utf8) : nil))
        }
    }

    @Test func batchWithoutKeysExposesNoKeyColumn() {
        let batch = RecordBatch()
        Array("v".utf8).withUnsafeBytes { batch.append(timestamp: 1, key: nil, value: $0) }
        #expect(!batch.hasKeys)
        batch.withColumns { #expect($0.keyOffsets == nil && $0.keys == nil) }
        let copy = RecordBatch()
        copy.append(contentsOf: batch)
        #expect(record(copy, 0).1 == nil)
        #expect(!copy.hasKeys)
    }

    /// Bulk appends without per-record flags: without key columns every
    /// record's key is null; with them every key is present, also after
    /// records whose flags were set one by one.
    @Test func bulkAppendWithoutFlagsSetsEveryRecordsKeyNullness() {
        let timestamps: [Int64] = [1, 2, 3]
        let valueOffsets: [UInt32] = [0, 1, 2, 3]
        let values = Array("abc".utf8)
        let keyOffsets: [UInt32] = [0, 2, 4, 6]
        let keys = Array("k1k2k3".utf8)
        let batch = RecordBatch()
        func append(keyed: Bool) {
            keyOffsets.withUnsafeBufferPointer { keyOffsets in
                batch.append(count: 3, timestamps: timestamps, keyOffsets: keyed ? keyOffsets.baseAddress : nil,
                             keys: keyed ? keys : nil, valueOffsets: valueOffsets, values: values, flags: nil)
            }
        }
        append(keyed: false)
        #expect(!batch.hasKeys)
        Array("v".utf8).withUnsafeBytes { batch.append(timestamp: 4, key: nil, value: $0) }
        append(keyed: true)
        append(keyed: false)
        #expect(batch.hasKeys)
        #expect(batch.count == 10)
        for row in 0..<10 {
            let expected: [UInt8]? = (4..<7).contains(row) ? Array("k\(row - 3)".utf8) : nil
            #expect(record(batch, row).1 == expected, "row \(row)")
        }
    }

    /// The rows of a typed-column emit: no value offsets (every value's
    /// bytes empty), keys as given, and only the key-null bit of the
    /// flags kept by the mask.
    @Test func bulkAppendWithoutValueOffsetsKeepsKeysAndMaskedFlags() {
        let timestamps: [Int64] = [10, 20, 30]
        let keyOffsets: [UInt32] = [0, 2, 2, 4]
        let keys = Array("k1k3".utf8)
        let flags: [UInt8] = [RecordBatch.valueNullFlag, RecordBatch.keyNullFlag | RecordBatch.valueNullFlag, 0]
        let batch = RecordBatch()
        Array("v".utf8).withUnsafeBytes { batch.append(timestamp: 1, key: nil, value: $0) }
        keyOffsets.withUnsafeBufferPointer { offsets in
            batch.append(count: 3, timestamps: timestamps, keyOffsets: offsets.baseAddress, keys: keys,
                         valueOffsets: nil, values: nil, flags: flags, flagMask: RecordBatch.keyNullFlag)
        }
        batch.append(count: 2, timestamps: timestamps, keyOffsets: nil, keys: nil, valueOffsets: nil, values: nil,
                     flags: nil)
        #expect(batch.count == 6)
        #expect(batch.valueBytesCount == 1)
        #expect(batch.hasKeys)
        let expected: [(Int64, [UInt8]?)] = [(1, nil), (10, Array("k1".utf8)), (20, nil), (30, Array("k3".utf8)),
                                            (10, nil), (20, nil)]
        for (row, (timestamp, key)) in expected.enumerated() {
            let got = record(batch, row)
            #expect(got.0 == timestamp && got.1 == key, "row \(row)")
            #expect(row == 0 || got.2 == [], "row \(row): an empty value, not a null one")
            #expect(batch.flags(at: row) & RecordBatch.valueNullFlag == 0, "row \(row)")
        }
    }
}
