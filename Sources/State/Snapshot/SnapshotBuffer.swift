#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable byte buffer that snapshots encode into, little-endian.
///
/// # Ownership
/// Owns its memory (freed on deinit); `bytes` is valid until the next
/// append or `removeAll`.
final class SnapshotBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private var capacity = 0

    init(capacity: Int = 0) {
        if capacity > 0 { grow(to: capacity) }
    }

    deinit { free(base) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func removeAll() { count = 0 }

    /// Reserves room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2, 4_096)
        guard let grown = realloc(base, newCapacity) else {
            fatalError("out of memory: cannot grow a snapshot buffer to \(newCapacity) bytes")
        }
        base = grown
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base.unsafelyUnwrapped.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func append(_ value: UInt32) {
        reserve(4)
        (base.unsafelyUnwrapped + count).storeBytes(of: value.littleEndian, as: UInt32.self)
        count += 4
    }

    @inline(__always)
    func append(_ value: UInt64) {
        reserve(8)
        (base.unsafelyUnwrapped + count).storeBytes(of: value.littleEndian, as: UInt64.self)
        count += 8
    }

    @inline(__always)
    func append(_ value: Int64) { append(UInt64(bitPattern: value)) }

    @inline(__always)
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        memcpy(base.unsafelyUnwrapped + count, bytes.baseAddress!, bytes.count)
        count += bytes.count
    }

    /// Appends a u32 length, then the bytes.
    @inline(__always)
    func appendLengthPrefixed(_ bytes: UnsafeRawBufferPointer) {
        append(UInt32(bytes.count))
        append(bytes)
    }

    /// Overwrites 4 bytes at `offset` (already appended).
    func store(_ value: UInt32, at offset: Int) {
        precondition(offset + 4 <= count, "store past the end of a snapshot buffer")
        (base.unsafelyUnwrapped + offset).storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}
