/// One slot of an `EntryTable`: a block's full hash and its address
/// (nil: the slot is empty).
struct EntrySlot {
    var hash: UInt64
    var block: UnsafeMutableRawPointer?
}

/// An open-addressing hash table of blocks the caller owns: linear
/// probing, power-of-two capacity, at most 3/4 full, backward-shift
/// deletion (no tombstones, so lookups never slow down with churn).
///
/// The table knows nothing of the blocks' layout: lookups take the full
/// hash and a predicate. Slots keep the full hash, so a probe touches a
/// block only when the hashes are equal.
///
/// # Ownership
/// A value type over manually managed slot memory: exactly one copy may be
/// used, and its owner calls `deallocate()`. Stores keep tables in
/// unsafe arrays, never in Swift collections.
struct EntryTable {
    private(set) var slots: UnsafeMutablePointer<EntrySlot>?
    /// 0 or a power of two.
    private(set) var capacity = 0
    private(set) var count = 0

    static let minimumCapacity = 8
    static let slotBytes = MemoryLayout<EntrySlot>.stride

    init() {}

    /// Bytes of slot storage, for the memory bound.
    var slotBytes: Int { capacity * Self.slotBytes }

    /// The slot index of the block with `hash` that `matches`, or nil.
    @inline(__always)
    func find(hash: UInt64, matching matches: (UnsafeMutableRawPointer) -> Bool) -> Int? {
        guard let slots else { return nil }
        let mask = capacity &- 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            guard let block = slot.block else { return nil }
            if slot.hash == hash && matches(block) { return index }
            index = (index &+ 1) & mask
        }
    }

    @inline(__always)
    func block(at index: Int) -> UnsafeMutableRawPointer { slots.unsafelyUnwrapped[index].block.unsafelyUnwrapped }

    /// The block in slot `index`, or nil if the slot is empty.
    @inline(__always)
    func blockIfPresent(at index: Int) -> UnsafeMutableRawPointer? {
        guard let slots, index < capacity else { return nil }
        return slots[index].block
    }

    /// Points slot `index` at a block that moved (same hash).
    @inline(__always)
    func replaceBlock(at index: Int, with block: UnsafeMutableRawPointer) {
        slots.unsafelyUnwrapped[index].block = block
    }

    /// The capacity `insert` needs the table to grow to first, or nil if
    /// one more block fits.
    @inline(__always)
    var capacityNeededForInsert: Int? {
        (count + 1) * 4 > capacity * 3 ? (capacity == 0 ? Self.minimumCapacity : capacity * 2) : nil
    }

    /// Inserts a block that is not in the table. The table must have room
    /// (see `capacityNeededForInsert`).
    @inline(__always)
    mutating func insert(hash: UInt64, block: UnsafeMutableRawPointer) {
        let slots = self.slots.unsafelyUnwrapped
        precondition((count + 1) * 4 <= capacity * 3, "EntryTable.insert without room")
        let mask = capacity &- 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].block != nil { index = (index &+ 1) & mask }
        slots[index] = EntrySlot(hash: hash, block: block)
        count += 1
    }

    /// Moves every block into a slot array of `newCapacity` (a power of two
    /// with room for them all; 0 only when the table is empty).
    mutating func resize(to newCapacity: Int) {
        precondition(newCapacity == 0 || (newCapacity.nonzeroBitCount == 1 && count * 4 <= newCapacity * 3),
                     "EntryTable.resize to \(newCapacity) with \(count) blocks")
        let old = slots
        let oldCapacity = capacity
        if newCapacity == 0 {
            slots = nil
        } else {
            let fresh = UnsafeMutablePointer<EntrySlot>.allocate(capacity: newCapacity)
            fresh.initialize(repeating: EntrySlot(hash: 0, block: nil), count: newCapacity)
            slots = fresh
        }
        capacity = newCapacity
        count = 0
        if let old {
            for index in 0..<oldCapacity {
                if let block = old[index].block { insert(hash: old[index].hash, block: block) }
            }
            old.deallocate()
        }
    }

    /// Empties slot `index`, shifting later blocks of its probe run back.
    @inline(__always)
    mutating func remove(at index: Int) {
        let slots = self.slots.unsafelyUnwrapped
        let mask = capacity &- 1
        var hole = index
        var next = (hole &+ 1) & mask
        while slots[next].block != nil {
            let home = Int(truncatingIfNeeded: slots[next].hash) & mask
            // The block at `next` may fill the hole if the hole lies on its
            // probe path, between its home slot and where it sits.
            if (next &- home) & mask >= (next &- hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next &+ 1) & mask
        }
        slots[hole] = EntrySlot(hash: 0, block: nil)
        count -= 1
    }

    /// The capacity to shrink to after removals, or nil to keep it: an
    /// empty table frees its slots; a table under 1/8 full shrinks at once
    /// to the size that makes it half full (not halving step by step,
    /// which resized many times while a table drained).
    var capacityAfterShrinking: Int? {
        if count == 0 { return capacity == 0 ? nil : 0 }
        guard capacity > Self.minimumCapacity && count * 8 < capacity else { return nil }
        var fitting = Self.minimumCapacity
        while fitting < count * 2 { fitting *= 2 }
        return fitting
    }

    /// Calls `body` with every block, in slot order.
    @inline(__always)
    func forEachBlock<Failure: Error>(_ body: (UnsafeMutableRawPointer) throws(Failure) -> Void) throws(Failure) {
        guard let slots else { return }
        for index in 0..<capacity {
            if let block = slots[index].block { try body(block) }
        }
    }

    /// Frees the slot array (not the blocks).
    mutating func deallocate() {
        slots?.deallocate()
        slots = nil
        capacity = 0
        count = 0
    }
}
