/// A fixed number of the latest values: appending past `capacity`
/// overwrites the oldest. The server's history of live figures (the
/// dashboard's plots) is made of these, so that it stays the same size
/// however long the server runs.
///
/// # Thread safety
/// A value type; its owner serializes access.
public struct SampleRing<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the next value goes once `storage` is full.
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring holds at least one value")
        self.capacity = capacity
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[next] = element
            next = (next + 1) % capacity
        }
    }

    /// The values, oldest first.
    public var elements: [Element] {
        storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
    }

    /// The latest `count` values (all when fewer), oldest first.
    public func suffix(_ count: Int) -> [Element] { Array(elements.suffix(max(0, count))) }

    /// The latest value.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(next + capacity - 1) % capacity]
    }
}

/// Series of numbers sampled together at the same instants: one ring of
/// timestamps and one ring of values per series, aligned with it. A series
/// that appears later reads as missing (nil) at the instants before it; one
/// missing from a sample reads as nil there; one missing for a whole
/// window is dropped. At most `seriesMax` series are kept: past that, new
/// ones are left out (and counted in `seriesRefused`), so that a server with
/// a great many partitions keeps a bounded history.
///
/// # Thread safety
/// A value type; its owner serializes access.
public struct SampleHistory<Key: Hashable & Sendable>: Sendable {
    public let capacity: Int
    public let seriesMax: Int
    public private(set) var times = SampleRing<Int64>(capacity: 1)
    private var series: [Key: SampleRing<Double?>] = [:]
    /// Samples since each series last had a value (to drop the stale).
    private var missing: [Key: Int] = [:]
    /// New series left out since the history was made, for lack of room.
    public private(set) var seriesRefused = 0

    public init(capacity: Int, seriesMax: Int) {
        precondition(seriesMax > 0, "a history keeps at least one series")
        self.capacity = capacity
        self.seriesMax = seriesMax
        times = SampleRing(capacity: capacity)
    }

    /// One sample: the values at `timeMs` (ms since the epoch).
    public mutating func append(timeMs: Int64, values: [Key: Double]) {
        let backfill = times.count
        times.append(timeMs)
        for key in values.keys where series[key] == nil {
            guard series.count < seriesMax else {
                seriesRefused += 1
                continue
            }
            var ring = SampleRing<Double?>(capacity: capacity)
            for _ in 0..<backfill { ring.append(nil) }
            series[key] = ring
        }
        for key in Array(series.keys) {
            let value = values[key]
            series[key]!.append(value)
            missing[key] = value == nil ? (missing[key] ?? 0) + 1 : 0
            if missing[key]! >= capacity {
                series[key] = nil
                missing[key] = nil
            }
        }
    }

    public var keys: [Key] { Array(series.keys) }

    /// The latest `count` timestamps, oldest first.
    public func times(last count: Int) -> [Int64] { times.suffix(count) }

    /// The series' latest `count` values, aligned with `times(last:)`; nil
    /// when the history has no such series.
    public func values(_ key: Key, last count: Int) -> [Double?]? { series[key]?.suffix(count) }

    /// The series' latest value (nil when it had none in the last sample).
    public func latest(_ key: Key) -> Double? { series[key]?.last ?? nil }
}
