import Core
import Log
import Testing

@Suite("decode(into:crcVerified:)")
struct DecodeCRCVerifiedTests {
    let batch: [UInt8] = try! RecordBatchV2.encode(
        (0..<20).map { LogRecord(timestamp: Int64($0), key: nil, value: Array("value-\($0)".utf8)) })

    @Test func skipsOnlyTheCRC() throws {
        var damaged = batch
        damaged[17] ^= 0x01  // inside the stored CRC: only the checksum disagrees
        let checked = RecordBatch()
        #expect(throws: LogFormatError.self) {
            try damaged.withUnsafeBytes { try RecordBatchV2.decode($0, into: checked) }
        }
        let trusted = RecordBatch()
        let count = try damaged.withUnsafeBytes { try RecordBatchV2.decode($0, into: trusted, crcVerified: true) }
        #expect(count == 20)
        #expect(trusted.withRecord(at: 19) { _, _, value in value.map(Array.init) } == Array("value-19".utf8))
    }

    @Test func stillChecksEveryBound() throws {
        for length in [0, 30, RecordBatchHeader.size, batch.count - 1] {
            let cut = Array(batch.prefix(length))
            #expect(throws: LogFormatError.self, "a batch cut to \(length) bytes decoded") {
                try cut.withUnsafeBytes { try RecordBatchV2.decode($0, into: RecordBatch(), crcVerified: true) }
            }
        }
    }
}
