#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One state entry of the memory backend: a single malloc'ed block that
/// holds a small header, the key, the user key (map state) and the value.
///
/// Layout (offsets in bytes; native byte order):
///
///     0  expiresAt      Int64   Int64.max without TTL
///     8  keyLength      UInt32
///    12  userKeyLength  UInt32  0 for value state
///    16  valueLength    UInt32
///    20  valueCapacity  UInt32  bytes reserved for the value (>= valueLength)
///    24  next           pointer map state only: the key's next entry
///    32  previous       pointer map state only: the key's previous entry
///     …  key bytes, user key bytes, value bytes (valueCapacity of them)
///
/// Keeping the value inline means a get is one pointer chase from the
/// table's slot, and an overwrite that fits the capacity allocates nothing.
///
/// # Ownership
/// The store that allocated a block frees it; `EntryBlock` is a view.
struct EntryBlock {
    let base: UnsafeMutableRawPointer
    /// `valueHeaderBytes` or `mapHeaderBytes`.
    let headerBytes: Int

    static let valueHeaderBytes = 24
    static let mapHeaderBytes = 40
    /// The expiry of an entry that never expires.
    static let noExpiry = Int64.max

    @inline(__always)
    init(_ base: UnsafeMutableRawPointer, headerBytes: Int) {
        self.base = base
        self.headerBytes = headerBytes
    }

    /// The block size for the given lengths.
    @inline(__always)
    static func size(headerBytes: Int, keyLength: Int, userKeyLength: Int, valueCapacity: Int) -> Int {
        headerBytes + keyLength + userKeyLength + valueCapacity
    }

    /// What malloc takes for a block of `size` bytes on glibc (8 bytes of
    /// chunk header, 16-byte granules, 32 bytes at least): the figure the
    /// memory bound counts.
    @inline(__always)
    static func allocationBytes(_ size: Int) -> Int {
        max(32, (size + 8 + 15) & ~15)
    }

    /// Allocates and fills a block. Returns nil when malloc fails.
    static func allocate(
        headerBytes: Int, key: UnsafeRawBufferPointer, userKey: UnsafeRawBufferPointer,
        value: UnsafeRawBufferPointer, expiresAt: Int64
    ) -> EntryBlock? {
        precondition(key.count <= Int(UInt32.max) && userKey.count <= Int(UInt32.max) && value.count <= Int(UInt32.max),
                     "state keys and values are limited to 4 GiB")
        let capacity = Self.capacity(for: value.count)
        guard let memory = malloc(size(headerBytes: headerBytes, keyLength: key.count, userKeyLength: userKey.count,
                                       valueCapacity: capacity)) else { return nil }
        let block = EntryBlock(memory, headerBytes: headerBytes)
        memory.storeBytes(of: expiresAt, as: Int64.self)
        memory.storeBytes(of: UInt32(key.count), toByteOffset: 8, as: UInt32.self)
        memory.storeBytes(of: UInt32(userKey.count), toByteOffset: 12, as: UInt32.self)
        memory.storeBytes(of: UInt32(value.count), toByteOffset: 16, as: UInt32.self)
        memory.storeBytes(of: UInt32(capacity), toByteOffset: 20, as: UInt32.self)
        if headerBytes == mapHeaderBytes {
            block.next = nil
            block.previous = nil
        }
        copy(key, to: memory + headerBytes)
        copy(userKey, to: memory + headerBytes + key.count)
        copy(value, to: block.valueStart)
        return block
    }

    /// Value capacity for a value of `length` bytes: rounded up to 8, so
    /// values that vary a little in size overwrite in place.
    @inline(__always)
    static func capacity(for length: Int) -> Int { (length + 7) & ~7 }

    @inline(__always)
    static func copy(_ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        destination.copyMemory(from: source, byteCount: bytes.count)
    }

    var expiresAt: Int64 {
        @inline(__always) get { base.load(as: Int64.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, as: Int64.self) }
    }

    var keyLength: Int { @inline(__always) get { Int(base.load(fromByteOffset: 8, as: UInt32.self)) } }
    var userKeyLength: Int { @inline(__always) get { Int(base.load(fromByteOffset: 12, as: UInt32.self)) } }

    var valueLength: Int {
        @inline(__always) get { Int(base.load(fromByteOffset: 16, as: UInt32.self)) }
        @inline(__always) nonmutating set { base.storeBytes(of: UInt32(newValue), toByteOffset: 16, as: UInt32.self) }
    }

    var valueCapacity: Int { @inline(__always) get { Int(base.load(fromByteOffset: 20, as: UInt32.self)) } }

    /// Map state only.
    var next: UnsafeMutableRawPointer? {
        @inline(__always) get { base.load(fromByteOffset: 24, as: UnsafeMutableRawPointer?.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, toByteOffset: 24, as: UnsafeMutableRawPointer?.self) }
    }

    /// Map state only.
    var previous: UnsafeMutableRawPointer? {
        @inline(__always) get { base.load(fromByteOffset: 32, as: UnsafeMutableRawPointer?.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, toByteOffset: 32, as: UnsafeMutableRawPointer?.self) }
    }

    var key: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: base + headerBytes, count: keyLength) }
    }

    var userKey: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: base + headerBytes + keyLength, count: userKeyLength) }
    }

    var valueStart: UnsafeMutableRawPointer {
        @inline(__always) get { base + headerBytes + keyLength + userKeyLength }
    }

    var value: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: valueStart, count: valueLength) }
    }

    var size: Int {
        Self.size(headerBytes: headerBytes, keyLength: keyLength, userKeyLength: userKeyLength,
                  valueCapacity: valueCapacity)
    }

    @inline(__always)
    func isExpired(at now: Int64) -> Bool { expiresAt <= now }

    @inline(__always)
    func keyEquals(_ other: UnsafeRawBufferPointer) -> Bool {
        Self.equal(key, other)
    }

    @inline(__always)
    func keysEqual(_ otherKey: UnsafeRawBufferPointer, _ otherUserKey: UnsafeRawBufferPointer) -> Bool {
        Self.equal(key, otherKey) && Self.equal(userKey, otherUserKey)
    }

    /// Byte equality of two buffers (either may be empty with a nil base).
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// Byte order of two buffers: lexicographic, a prefix first.
    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0 {
            let result = memcmp(a.baseAddress!, b.baseAddress!, common)
            if result != 0 { return Int(result) }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Replaces the value. When it does not fit the capacity (or is much
    /// smaller), the block is reallocated and may move: the caller fixes
    /// every pointer to it. Returns nil when realloc fails (the block is
    /// then unchanged).
    @inline(__always)
    func replacingValue(_ value: UnsafeRawBufferPointer, expiresAt: Int64) -> EntryBlock? {
        precondition(value.count <= Int(UInt32.max), "state values are limited to 4 GiB")
        if !Self.needsReallocation(capacity: valueCapacity, for: value.count) {
            Self.copy(value, to: valueStart)
            valueLength = value.count
            self.expiresAt = expiresAt
            return self
        }
        let capacity = Self.capacity(for: value.count)
        let newSize = Self.size(headerBytes: headerBytes, keyLength: keyLength, userKeyLength: userKeyLength,
                                valueCapacity: capacity)
        guard let memory = realloc(base, newSize) else { return nil }
        let moved = EntryBlock(memory, headerBytes: headerBytes)
        memory.storeBytes(of: UInt32(capacity), toByteOffset: 20, as: UInt32.self)
        Self.copy(value, to: moved.valueStart)
        moved.valueLength = value.count
        moved.expiresAt = expiresAt
        return moved
    }

    /// Whether a value of `length` bytes needs another block: it does not
    /// fit, or it would leave more than three quarters of a large capacity
    /// unused.
    @inline(__always)
    static func needsReallocation(capacity: Int, for length: Int) -> Bool {
        length > capacity || (capacity > 64 && length < capacity / 4)
    }

    /// Frees the block; the view must not be used afterwards.
    func deallocate() { free(base) }
}
