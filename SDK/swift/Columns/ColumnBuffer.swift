/// One contiguous buffer of a column (validity bits, values, offsets or
/// bytes): memory the buffer allocated and grows, or a view of memory an
/// imported Arrow array owns.
///
/// # Ownership
/// An allocated buffer frees its memory on deinit. A view keeps `owner`
/// (the imported array, whose deinit calls the producer's release) alive
/// and never writes or frees the memory.
///
/// # Thread safety
/// Written by one thread while a column is built; read by any number once
/// it is shared (columns are never written after they left their builder).
public final class ColumnBuffer: @unchecked Sendable {
    /// Alignment of allocations: Arrow recommends 64 bytes.
    public static let alignment = 64
    /// The smallest allocation, so that appending starts without regrowing.
    public static let capacityMin = 64

    @exclusivity(unchecked) public private(set) var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) public private(set) var capacity: Int
    /// Bytes written (for views: unknown, 0).
    @exclusivity(unchecked) public internal(set) var count: Int = 0
    /// The imported array that owns a view's memory; nil for an allocation.
    let owner: AnyObject?
    /// Whether this is a view (`owner` is set): stored, so that the check
    /// on every append reads a flag instead of retaining `owner`.
    let isView: Bool

    public init(capacity: Int = ColumnBuffer.capacityMin) {
        self.capacity = max(capacity, Self.capacityMin)
        base = .allocate(byteCount: self.capacity, alignment: Self.alignment)
        owner = nil
        isView = false
    }

    /// A read-only view of `base`, kept valid by `owner`.
    init(viewing base: UnsafeRawPointer, owner: AnyObject) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        self.capacity = 0
        self.owner = owner
        isView = true
    }

    deinit {
        if !isView { base.deallocate() }
    }

    /// Makes room for `needed` bytes in all, doubling; keeps the contents.
    @inline(__always)
    func reserve(_ needed: Int) {
        if needed > capacity { grow(to: needed) }
    }

    private func grow(to needed: Int) {
        precondition(!isView, "writing to a column imported over the C Data Interface")
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: Self.alignment)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// Appends one value of a trivial type.
    @inline(__always)
    func append<T>(_ value: T) {
        let size = MemoryLayout<T>.stride
        reserve(count + size)
        (base + count).storeBytes(of: value, as: T.self)
        count += size
    }

    /// Appends raw bytes.
    @inline(__always)
    func append(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(count + bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    func load<T>(at index: Int, as type: T.Type) -> T {
        base.load(fromByteOffset: index * MemoryLayout<T>.stride, as: T.self)
    }

    @inline(__always)
    func store<T>(_ value: T, at index: Int) {
        base.storeBytes(of: value, toByteOffset: index * MemoryLayout<T>.stride, as: T.self)
    }

    // MARK: Bits (validity bitmaps and bool values)

    @inline(__always)
    func bit(_ index: Int) -> Bool {
        (base.load(fromByteOffset: index >> 3, as: UInt8.self) >> UInt8(index & 7)) & 1 != 0
    }

    /// Sets bit `index`, growing the buffer (new bytes zeroed) as needed.
    @inline(__always)
    func setBit(_ index: Int, _ value: Bool) {
        let byte = index >> 3
        if byte >= count {
            reserve(byte + 1)
            (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: byte + 1 - count)
            count = byte + 1
        }
        let mask = UInt8(1) << UInt8(index & 7)
        let old = base.load(fromByteOffset: byte, as: UInt8.self)
        base.storeBytes(of: value ? old | mask : old & ~mask, toByteOffset: byte, as: UInt8.self)
    }

    /// A buffer of `bits` bits, all set (a validity bitmap before the first null).
    static func allSet(bits: Int, capacityBits: Int) -> ColumnBuffer {
        let buffer = ColumnBuffer(capacity: (max(bits, capacityBits) + 7) / 8)
        let bytes = (bits + 7) / 8
        buffer.base.initializeMemory(as: UInt8.self, repeating: 0xff, count: bytes)
        buffer.count = bytes
        return buffer
    }
}
