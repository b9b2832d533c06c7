import Testing
import TestKit
import Checksums

@Suite struct CRC32CTests {
    /// Known answers: the common check value and RFC 3720 (iSCSI) B.4.
    static let knownAnswers: [(name: String, input: [UInt8], crc: UInt32)] = [
        ("empty", [], 0x0000_0000),
        ("123456789", Array("123456789".utf8), 0xE306_9283),
        ("32 zero bytes", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 0xFF bytes", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("32 incrementing bytes", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("32 decrementing bytes", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        ("iSCSI read command PDU", [
            0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ], 0xD996_3A56),
    ]

    @Test func knownAnswersEveryImplementation() {
        for (name, input, crc) in Self.knownAnswers {
            input.withUnsafeBytes { bytes in
                #expect(CRC32C.checksum(bytes) == crc, "\(name)")
                #expect(CRC32C.softwareChecksum(bytes) == crc, "\(name), software")
                if let hardware = CRC32C.hardwareChecksum(bytes) {
                    #expect(hardware == crc, "\(name), hardware")
                }
            }
        }
    }

    @Test func seedChainsAcrossSplits() {
        let input = Array("The quick brown fox jumps over the lazy dog".utf8)
        let whole = CRC32C.checksum(input)
        for split in 0...input.count {
            let head = CRC32C.checksum(Array(input[..<split]))
            #expect(CRC32C.checksum(Array(input[split...]), seed: head) == whole, "split at \(split)")
        }
    }

    /// x86-64 machines this runs on all have SSE4.2; a build that silently
    /// fell back to the table would be several times slower.
    @Test func usesHardwareOnX86() {
        #if arch(x86_64)
        #expect(CRC32C.isHardwareAccelerated)
        #endif
    }

    /// The hardware path aligns to 8 bytes and handles head and tail bytes
    /// separately, so every length 0...300 at every start alignment 0...15
    /// must agree with the table.
    @Test func hardwareEqualsSoftwareAtEveryLengthAndAlignment() throws {
        var generator = SeededRandom(seed: 0xC3C3_2024)
        let buffer = generator.bytes(300 + 16)
        try buffer.withUnsafeBytes { all in
            for alignment in 0..<16 {
                for length in 0...300 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment ..< alignment + length])
                    let seed = UInt32.random(in: .min ... .max, using: &generator)
                    let software = CRC32C.softwareChecksum(slice, seed: seed)
                    #expect(CRC32C.checksum(slice, seed: seed) == software)
                    if CRC32C.isHardwareAccelerated {
                        let hardware = try #require(CRC32C.hardwareChecksum(slice, seed: seed))
                        #expect(hardware == software, "length \(length), alignment \(alignment), seed \(seed)")
                    }
                }
            }
        }
    }

    @Test func singleBitFlipChangesChecksum() {
        var generator = SeededRandom(seed: 7)
        var input = generator.bytes(64)
        let original = CRC32C.checksum(input)
        for bit in 0..<(input.count * 8) {
            input[bit / 8] ^= 1 << (bit % 8)
            #expect(CRC32C.checksum(input) != original, "bit \(bit)")
            input[bit / 8] ^= 1 << (bit % 8)
        }
    }
}
