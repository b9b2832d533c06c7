import Synchronization

/// The bytes all stores of one `MemoryStateBackend` use, against an
/// optional bound.
///
/// A store reserves bytes before it allocates and releases them after it
/// frees, so the bound is never passed: a put that would pass it throws
/// `StateError.memoryBoundExceeded` and changes nothing. Two stores that
/// reserve at the same moment near the bound may both be refused although
/// one would have fit; the bound is never exceeded.
///
/// # Thread safety
/// Thread-safe (one atomic counter); stores on different threads share it.
final class MemoryBudget: Sendable {
    /// nil: unbounded (bytes are still counted).
    let boundBytes: Int?
    private let used = Atomic<Int>(0)

    init(boundBytes: Int?) {
        self.boundBytes = boundBytes
    }

    var usedBytes: Int { used.load(ordering: .relaxed) }

    /// Counts `bytes` more for `stateName`, or throws without counting them.
    @inline(__always)
    func reserve(_ bytes: Int, for stateName: @autoclosure () -> String) throws(StateError) {
        let after = used.wrappingAdd(bytes, ordering: .relaxed).newValue
        if let boundBytes, after > boundBytes {
            used.wrappingSubtract(bytes, ordering: .relaxed)
            throw .memoryBoundExceeded(state: stateName(), boundBytes: boundBytes, usedBytes: after - bytes)
        }
    }

    @inline(__always)
    func release(_ bytes: Int) {
        used.wrappingSubtract(bytes, ordering: .relaxed)
    }
}
