import Core
import Log
import Testing
import TestKit
import Checksums

/// Builds big-endian byte strings field by field, for batches written by
/// hand from the spec rather than by the encoder under test.
struct BigEndianBytes {
    var bytes: [UInt8] = []

    mutating func int8(_ value: Int8) { bytes.append(UInt8(bitPattern: value)) }
    mutating func int16(_ value: Int16) { append(value) }
    mutating func int32(_ value: Int32) { append(value) }
    mutating func uint32(_ value: UInt32) { append(value) }
    mutating func int64(_ value: Int64) { append(value) }
    mutating func raw(_ value: [UInt8]) { bytes += value }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }
}

@Suite struct FormatTestSupportTests {
    @Test func seededGeneratorReplays() {
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        var c = SeededRandom(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }
}

/// Helpers over batch bytes for tests that tamper with batches.
enum BatchBytes {
    /// Recomputes the CRC (bytes 17..<21) over bytes 21..<end, so a test can
    /// reach the checks that come after the CRC.
    static func reseal(_ batch: inout [UInt8]) {
        let crc = batch.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        withUnsafeBytes(of: crc.bigEndian) { batch.replaceSubrange(17..<21, with: $0) }
    }

    /// Replaces the records section of an uncompressed batch with `records`
    /// (already compressed by the caller with `codec`), fixing batchLength,
    /// the codec bits and the CRC.
    static func replacingRecords(of batch: [UInt8], with records: [UInt8], codec: Int16) -> [UInt8] {
        var result = Array(batch[0..<61]) + records
        withUnsafeBytes(of: Int32(result.count - 12).bigEndian) { result.replaceSubrange(8..<12, with: $0) }
        let attributes = (Int16(result[21]) << 8 | Int16(result[22])) & ~0x07 | codec
        withUnsafeBytes(of: attributes.bigEndian) { result.replaceSubrange(21..<23, with: $0) }
        reseal(&result)
        return result
    }

    /// The records section (after the 61-byte header).
    static func records(of batch: [UInt8]) -> [UInt8] { Array(batch[61...]) }
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}

extension RecordBatch {
    /// Appends a record given as optional arrays (nil is null).
    func append(timestamp: Int64, key: [UInt8]?, value: [UInt8]?) {
        func with(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Void) {
            guard let bytes else { return body(nil) }
            bytes.withUnsafeBytes { body($0) }
        }
        with(key) { key in with(value) { value in append(timestamp: timestamp, key: key, value: value) } }
    }
}
