import Checksums

/// The canonical keyed-state snapshot format, version 1: one file,
/// backend-independent, readable for any key-group sub-range without
/// reading the rest, every byte covered by a CRC-32C.
///
/// All integers are little-endian. Offsets are from the start of the file.
///
///     header (32 bytes, at 0)
///       magic            8   "SHKSTATE"
///       version          u32 1
///       flags            u32 0 (reserved)
///       firstKeyGroup    u32 the key groups of the store it was taken from
///       lastKeyGroup     u32
///       reserved         u32 0
///       crc              u32 CRC-32C of the 28 bytes before
///     state table (at 32)
///       length           u32 bytes of the table's body
///       body:  count u32, then per state (in registration order; entries
///              refer to a state by its index here):
///              kind u8 (0 value, 1 map), ttlMs i64, nameLength u32, name (UTF-8)
///       crc              u32 CRC-32C of length and body
///     key-group blocks, one per key group that has entries or timers,
///     ascending, contiguous (the first starts right after the state table)
///       keyGroup         u32
///       entryCount       u32 value and map entries in the block
///       timerCount       u32
///       reserved         u32 0
///       payloadLength    u64
///       payload          the block's records, see below
///       crc              u32 CRC-32C of the block's header and payload
///     index (at indexOffset)
///       count            u32 blocks
///       reserved         u32 0
///       per block: keyGroup u32, entryCount u32, timerCount u32,
///                  reserved u32, offset u64, length u64 (header to crc)
///       crc              u32 CRC-32C of the index before it
///     footer (32 bytes, the file's last)
///       indexOffset      u64
///       indexLength      u64 (count to crc)
///       magic            8   "SHKSTEND"
///       reserved         u32 0
///       crc              u32 CRC-32C of the 28 bytes before
///
/// A record of a block's payload starts with its type byte:
///
///     0 value entry   state u32, expiresAt i64, keyLength u32, key,
///                     valueLength u32, value
///     1 map entry     state u32, expiresAt i64, keyLength u32, key,
///                     userKeyLength u32, userKey, valueLength u32, value
///     2 event-time timer       time i64, keyLength u32, key
///     3 processing-time timer  time i64, keyLength u32, key
///
/// `expiresAt` is `Int64.max` when the entry has none (its state has no
/// TTL). Expired entries are not written.
///
/// A reader checks the header and footer, the index (its CRC, and that its
/// blocks tile the file from the end of the state table to the index, so a
/// full read leaves no byte unchecked), then reads only the blocks of the
/// key groups it wants, checking each block's CRC and that its header
/// agrees with the index. Version changes bump `version`; a reader refuses
/// versions it does not know.
enum CanonicalSnapshotLayout {
    static let formatName = "streamhost-keyed-state"
    static let version: UInt32 = 1
    static let fileName = "keyed-state.snapshot"

    static let headerMagic: [UInt8] = Array("SHKSTATE".utf8)
    static let footerMagic: [UInt8] = Array("SHKSTEND".utf8)
    static let headerBytes = 32
    static let footerBytes = 32
    static let stateTableOffset = 32
    static let blockHeaderBytes = 24
    static let indexHeaderBytes = 8
    static let indexEntryBytes = 32
    static let crcBytes = 4

    static let recordValue: UInt8 = 0
    static let recordMap: UInt8 = 1
    static let recordEventTimer: UInt8 = 2
    static let recordProcessingTimer: UInt8 = 3

    static let noExpiry = Int64.max

    // MARK: Encoding records (what a capture writes into a block's payload)

    @inline(__always)
    static func appendValue(to buffer: SnapshotBuffer, state: UInt32, expiresAt: Int64,
                            key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        buffer.reserve(1 + 4 + 8 + 8 + key.count + value.count)
        buffer.append(recordValue)
        buffer.append(state)
        buffer.append(expiresAt)
        buffer.appendLengthPrefixed(key)
        buffer.appendLengthPrefixed(value)
    }

    @inline(__always)
    static func appendMapEntry(to buffer: SnapshotBuffer, state: UInt32, expiresAt: Int64,
                               key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
                               value: UnsafeRawBufferPointer) {
        buffer.reserve(1 + 4 + 8 + 12 + key.count + userKey.count + value.count)
        buffer.append(recordMap)
        buffer.append(state)
        buffer.append(expiresAt)
        buffer.appendLengthPrefixed(key)
        buffer.appendLengthPrefixed(userKey)
        buffer.appendLengthPrefixed(value)
    }

    @inline(__always)
    static func appendTimer(to buffer: SnapshotBuffer, domain: TimeDomain, time: Int64, key: UnsafeRawBufferPointer) {
        buffer.reserve(1 + 8 + 4 + key.count)
        buffer.append(domain == .eventTime ? recordEventTimer : recordProcessingTimer)
        buffer.append(time)
        buffer.appendLengthPrefixed(key)
    }

    /// The state table's body (without its length and CRC).
    static func stateTableBody(_ descriptors: [StateDescriptor]) -> SnapshotBuffer {
        let body = SnapshotBuffer()
        body.append(UInt32(descriptors.count))
        for descriptor in descriptors {
            body.append(descriptor.kind == .map ? UInt8(1) : UInt8(0))
            body.append(descriptor.ttlMs)
            Array(descriptor.name.utf8).withUnsafeBytes { body.appendLengthPrefixed($0) }
        }
        return body
    }
}

/// Little-endian reads from a byte array with bounds checks that throw
/// `StateError.snapshot` naming the file and the absolute offset.
struct SnapshotByteReader {
    let bytes: [UInt8]
    /// The file offset of `bytes[0]`.
    let fileOffset: Int
    let path: String
    var position = 0

    init(_ bytes: [UInt8], fileOffset: Int, path: String) {
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.path = path
    }

    var isAtEnd: Bool { position == bytes.count }
    var offset: Int { fileOffset + position }

    func damaged(_ problem: String, at position: Int? = nil) -> StateError {
        .snapshot(path: path, offset: fileOffset + (position ?? self.position), problem: problem)
    }

    mutating func need(_ count: Int, _ what: String) throws(StateError) {
        guard count >= 0, bytes.count - position >= count else {
            throw damaged("\(what) needs \(count) bytes, only \(bytes.count - position) are left in its block")
        }
    }

    mutating func uint8(_ what: String) throws(StateError) -> UInt8 {
        try need(1, what)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uint32(_ what: String) throws(StateError) -> UInt32 {
        try need(4, what)
        defer { position += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self)) }
    }

    mutating func uint64(_ what: String) throws(StateError) -> UInt64 {
        try need(8, what)
        defer { position += 8 }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt64.self)) }
    }

    mutating func int64(_ what: String) throws(StateError) -> Int64 { Int64(bitPattern: try uint64(what)) }

    mutating func bytes(_ count: Int, _ what: String) throws(StateError) -> [UInt8] {
        try need(count, what)
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func lengthPrefixed(_ what: String) throws(StateError) -> [UInt8] {
        let count = Int(try uint32("the length of \(what)"))
        return try bytes(count, what)
    }

    /// Checks that the CRC-32C of `bytes[from..<position]` equals the u32
    /// that follows, and moves past it.
    mutating func checkCRC(from start: Int, _ what: String) throws(StateError) {
        let crcPosition = position
        let stored = try uint32("the CRC of \(what)")
        let computed = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<crcPosition]))
        }
        guard stored == computed else {
            throw damaged("CRC-32C mismatch in \(what) (stored \(hex(stored)), computed \(hex(computed)))", at: start)
        }
    }

    func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
