/// Keeps keyed state in the process's memory, optionally within a bound
/// shared by all of the backend's stores.
///
/// Fast (a get or put is one hash-table probe), but state must fit in
/// memory: a write that would pass `memoryBytesMax` throws
/// `StateError.memoryBoundExceeded` naming the state, instead of the
/// process running out of memory. State larger than memory belongs in
/// `RocksDBStateBackend`.
///
/// # Thread safety
/// Thread-safe: stores may be made and used on different threads (each
/// store by one thread at a time).
public final class MemoryStateBackend: StateBackend {
    public let name = "memory"
    let budget: MemoryBudget

    /// - Parameter memoryBytesMax: the bound on the bytes all stores of this
    ///   backend allocate (entries, their tables, timers), or nil for none.
    public init(memoryBytesMax: Int? = nil) {
        precondition(memoryBytesMax.map { $0 >= 0 } ?? true, "memoryBytesMax must be >= 0")
        budget = MemoryBudget(boundBytes: memoryBytesMax)
    }

    /// The bound, if any.
    public var memoryBytesMax: Int? { budget.boundBytes }

    /// The bytes the backend's stores hold now (malloc's chunk sizes of
    /// their blocks, plus their tables).
    public var usedBytes: Int { budget.usedBytes }

    public func makeStore(stepID: String, instance: Int, keyGroups: ClosedRange<Int>) throws(StateError)
        -> any KeyedStateStore
    {
        try MemoryKeyedStateStore(stepID: stepID, instance: instance, keyGroups: keyGroups, budget: budget)
    }
}
