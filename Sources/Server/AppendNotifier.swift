import Synchronization

/// Wakes long-polling fetches when a partition they read gets new data.
///
/// Every append the server makes goes through `Broker.append`, which calls
/// `appended`; each partition has a counter. A fetch notes the counters of
/// its partitions before it reads, then `wait`s: if any counter moved in
/// between it returns at once, so an append between the read and the wait
/// is never missed.
///
/// # Thread safety
/// Safe from any thread or task; one lock guards the counters and waiters.
final class AppendNotifier: Sendable {
    struct PartitionKey: Hashable, Sendable {
        let topic: String
        let partition: Int32
    }

    private struct Waiter {
        let keys: [PartitionKey]
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var counters: [PartitionKey: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        /// Waits that have an id but have not registered yet; an id taken
        /// out of here before it registers was cancelled (timed out).
        var unregistered: Set<UInt64> = []
        var nextId: UInt64 = 0
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// True once the server is stopping.
    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Fetches waiting for an append now: tests wait for a fetch to park
    /// here instead of sleeping and hoping it did.
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// The counters of `keys` now, to pass to `wait`.
    func snapshot(_ keys: [PartitionKey]) -> [UInt64] {
        state.withLock { state in keys.map { state.counters[$0, default: 0] } }
    }

    /// Records an append to `key` and wakes the fetches waiting on it.
    func appended(_ key: PartitionKey) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.counters[key, default: 0] &+= 1
            let ids = state.waiters.filter { $0.value.keys.contains(key) }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Wakes every waiter and makes later waits return at once (server
    /// shutdown: in-flight fetches answer with what they have).
    func shutDown() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isShutDown = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns when one of `keys` is appended to after `snapshot` was
    /// taken, or after `timeoutMs`, whichever comes first.
    func wait(for keys: [PartitionKey], since snapshot: [UInt64], timeoutMs: Int) async {
        guard timeoutMs > 0 else { return }
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            state.unregistered.insert(state.nextId)
            return state.nextId
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForAppend(id: id, keys: keys, snapshot: snapshot) }
            group.addTask { try? await Task.sleep(for: .milliseconds(timeoutMs)) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForAppend(id: UInt64, keys: [PartitionKey], snapshot: [UInt64]) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.unregistered.remove(id) != nil, !state.isShutDown else { return true }
                    if zip(keys, snapshot).contains(where: { state.counters[$0.0, default: 0] != $0.1 }) { return true }
                    state.waiters[id] = Waiter(keys: keys, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                // Not registered yet: registering will see the id gone.
                if state.unregistered.remove(id) != nil { return nil }
                return state.waiters.removeValue(forKey: id)?.continuation
            }
            continuation?.resume()
        }
    }
}

