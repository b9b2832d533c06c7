import Testing
@testable import KafkaProtocol

@Suite struct ProtocolPrimitivesTests {
    /// Values from the protocol guide's varint description (LEB128 with
    /// zigzag for signed values).
    @Test func varints() throws {
        let cases: [(Int32, [UInt8])] = [(0, [0x00]), (-1, [0x01]), (1, [0x02]), (-64, [0x7F]), (64, [0x80, 0x01]),
                                         (150, [0xAC, 0x02]), (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]),
                                         (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])]
        for (value, bytes) in cases {
            var writer = ProtocolWriter()
            writer.writeVarint(value)
            #expect(writer.bytes == bytes, "\(value)")
            var reader = ProtocolReader(bytes)
            #expect(try reader.readVarint() == value)
            #expect(reader.isAtEnd)
        }
        var writer = ProtocolWriter()
        writer.writeVarlong(Int64.min)
        #expect(writer.bytes == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        var reader = ProtocolReader(writer.bytes)
        #expect(try reader.readVarlong() == Int64.min)
    }

    @Test func overlongVarintsAreRefused() {
        var sixBytes = ProtocolReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        #expect(throws: ProtocolReader.Shortfall.self) { try sixBytes.readUnsignedVarint() }
        var wide = ProtocolReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: ProtocolReader.Shortfall.self) { try wide.readUnsignedVarint() }
        var elevenBytes = ProtocolReader([UInt8](repeating: 0x80, count: 10) + [0x01])
        #expect(throws: ProtocolReader.Shortfall.self) { try elevenBytes.readVarlong() }
    }

    @Test func fixedWidthIntegersAreBigEndian() throws {
        var writer = ProtocolWriter()
        writer.writeInt16(0x0102)
        writer.writeInt32(-2)
        writer.writeInt64(0x0102_0304_0506_0708)
        #expect(writer.bytes == [1, 2, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2, 3, 4, 5, 6, 7, 8])
        var reader = ProtocolReader(writer.bytes)
        #expect(try reader.readInt16() == 0x0102)
        #expect(try reader.readInt32() == -2)
        #expect(try reader.readInt64() == 0x0102_0304_0506_0708)
    }

    @Test func compactAndClassicStrings() throws {
        var writer = ProtocolWriter()
        writer.writeString("ab", compact: false)
        writer.writeString(nil, compact: false)
        writer.writeString("ab", compact: true)
        writer.writeString(nil, compact: true)
        #expect(writer.bytes == [0, 2, 0x61, 0x62, 0xFF, 0xFF, 3, 0x61, 0x62, 0])
        var reader = ProtocolReader(writer.bytes)
        #expect(try reader.readString(compact: false, nullable: false) == "ab")
        #expect(try reader.readString(compact: false, nullable: true) == nil)
        #expect(try reader.readString(compact: true, nullable: false) == "ab")
        #expect(try reader.readString(compact: true, nullable: true) == nil)
    }

    @Test func lengthPastTheEndIsRefusedWithoutAllocating() {
        var reader = ProtocolReader([0x7F, 0xFF, 0xFF, 0xFF, 1])
        #expect(throws: ProtocolReader.Shortfall.self) { try reader.readBytes(compact: false, nullable: false) }
    }

    @Test func boolMustBeZeroOrOne() {
        var reader = ProtocolReader([2])
        #expect(throws: ProtocolReader.Shortfall.self) { try reader.readBool() }
    }
}
