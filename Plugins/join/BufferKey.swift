/// The user key of a buffered record in a side's map state: its timestamp,
/// then a sequence number, 16 bytes in all.
///
/// Both are written big-endian, the timestamp with its sign bit flipped, so
/// that the host's user-key byte order is timestamp order (negative times
/// first) and, within one timestamp, arrival order. The sequence number
/// only keeps records with equal timestamps apart.
///
/// # Ownership
/// A value type: the 16 bytes are inline.
struct BufferKey {
    static let byteCount = 16

    let timestamp: Int64
    let sequence: UInt64

    /// Runs `body` with the 16 bytes of the key (BORROWED for the call).
    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let bytes = (UInt64(bitPattern: timestamp) ^ (1 << 63)).bigEndian
        return try withUnsafeBytes(of: (bytes, sequence.bigEndian)) { try body($0) }
    }

    /// The timestamp of the user key `bytes`; throws when it is not one this
    /// plugin wrote (checked where it is read back).
    @inline(__always)
    static func timestamp(of bytes: UnsafeRawBufferPointer, state: String) throws(JoinError) -> Int64 {
        guard bytes.count == byteCount else { throw .corruptBufferKey(state: state, byteCount: bytes.count) }
        return Int64(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) ^ (1 << 63))
    }
}
