/// Writes big-endian integers, varints and bytes into memory the caller
/// sized beforehand.
///
/// Every write checks the capacity with a precondition: encoders compute
/// the exact size first, so running past it is a programmer error, and
/// crashing beats writing past the buffer.
///
/// # Ownership
/// Borrows `base` for its lifetime; the caller allocates and frees it.
struct ByteWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var position: Int

    init(base: UnsafeMutableRawPointer, capacity: Int, position: Int = 0) {
        self.base = base
        self.capacity = capacity
        self.position = position
    }

    @inline(__always)
    mutating func writeUInt8(_ value: UInt8) {
        precondition(position < capacity, "ByteWriter overflow")
        base.storeBytes(of: value, toByteOffset: position, as: UInt8.self)
        position += 1
    }

    @inline(__always)
    mutating func writeBigEndian<T: FixedWidthInteger>(_ value: T) {
        precondition(position + MemoryLayout<T>.size <= capacity, "ByteWriter overflow")
        base.storeBytes(of: value.bigEndian, toByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
    }

    @inline(__always)
    mutating func writeUnsignedVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            writeUInt8(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        writeUInt8(UInt8(truncatingIfNeeded: remaining))
    }

    @inline(__always)
    mutating func writeVarint(_ value: Int32) { writeUnsignedVarint(Varint.zigzag(value)) }

    @inline(__always)
    mutating func writeVarlong(_ value: Int64) { writeUnsignedVarint(Varint.zigzag(value)) }

    @inline(__always)
    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(position + bytes.count <= capacity, "ByteWriter overflow")
        (base + position).copyMemory(from: source, byteCount: bytes.count)
        position += bytes.count
    }

    @inline(__always)
    mutating func writeBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeBytes($0) }
    }
}
