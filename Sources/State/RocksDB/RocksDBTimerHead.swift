/// The earliest timers of one domain of a RocksDB store, kept in memory so
/// that `earliestTimer` and `popTimer` do not seek on every call.
///
/// `keys` are full keys of the `timers` column family, ascending. While
/// `isValid`, they are exactly the smallest `keys.count` timers of the
/// domain; `isExhaustive` says there are no others. Registrations below the
/// last head key and deletions keep that true; when the head runs empty
/// (and is not exhaustive) it becomes invalid and the store refills it with
/// one seek.
///
/// `floor` is a key no timer of the domain sorts below: the last popped key,
/// lowered by registrations below it. Refills seek from there, so they do
/// not walk over the deletion markers popped timers leave behind.
final class RocksDBTimerHead {
    let domain: TimeDomain
    /// Timer keys one refill reads.
    static let refillCount = 256
    /// Registrations below the last head key may grow the head to this
    /// many keys before its tail is dropped.
    static let countMax = 2 * refillCount

    private(set) var keys: [[UInt8]] = []
    /// Index of the first key still in the head (popping advances it
    /// instead of shifting the array).
    private var start = 0
    private(set) var isValid = false
    private(set) var isExhaustive = false
    private(set) var floor: [UInt8]?

    init(domain: TimeDomain) { self.domain = domain }

    var first: [UInt8]? { start < keys.count ? keys[start] : nil }
    private var isEmpty: Bool { start >= keys.count }

    /// Replaces the head with what a seek from `floor` found.
    func refill(_ found: [[UInt8]]) {
        keys = found
        start = 0
        isValid = true
        isExhaustive = found.count < Self.refillCount
    }

    func registered(_ key: UnsafeRawBufferPointer) {
        if let floor, Self.precedes(key, floor) { self.floor = Array(key) }
        guard isValid else { return }
        if !isExhaustive {
            guard let last = keys.last, !isEmpty, Self.precedes(key, last) else { return }
        }
        let position = insertionIndex(key)
        if position < keys.count && Self.equal(key, keys[position]) { return }
        keys.insert(Array(key), at: position)
        if keys.count - start > Self.countMax {
            keys.removeLast(keys.count - start - Self.refillCount)
            isExhaustive = false
        }
    }

    func deleted(_ key: UnsafeRawBufferPointer) {
        guard isValid else { return }
        let position = insertionIndex(key)
        if position < keys.count && Self.equal(key, keys[position]) { keys.remove(at: position) }
        invalidateIfDrained()
    }

    /// The first key was popped (and deleted from the database).
    func poppedFirst() {
        precondition(isValid && !isEmpty, "popped an empty timer head")
        floor = keys[start]
        start += 1
        if start > 64 && start * 2 > keys.count {
            keys.removeFirst(start)
            start = 0
        }
        invalidateIfDrained()
    }

    private func invalidateIfDrained() {
        if isEmpty && !isExhaustive {
            isValid = false
            keys = []
            start = 0
        }
    }

    /// The first position in `keys[start...]` whose key is not below `key`.
    private func insertionIndex(_ key: UnsafeRawBufferPointer) -> Int {
        var low = start
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(keys[middle], key) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func precedes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        b.withUnsafeBytes { EntryBlock.compare(a, $0) < 0 }
    }

    static func precedes(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.withUnsafeBytes { EntryBlock.compare($0, b) < 0 }
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        b.withUnsafeBytes { EntryBlock.equal(a, $0) }
    }
}
