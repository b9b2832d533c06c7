import KafkaProtocol

/// Transaction timeouts (Kafka's `transaction.timeout.ms`, bounded by the
/// broker's `transaction.max.timeout.ms`): a transaction begun with a
/// timeout and still open when it runs out is aborted, with its epoch
/// bumped so that the producer that let it run out is fenced, as Kafka's
/// coordinator does.
///
/// Only transactions begun with `begin(transactionalId:timeoutMs:maxTimeoutMs:)`
/// (the Kafka protocol's InitProducerId) time out: the runtime's
/// transactions (plain `begin`) live as long as their checkpoints need,
/// and a job aborts its own at restore. The time counts from the begin
/// (Kafka counts from the first partition added; a begin is followed by
/// it at once in practice). The timeout and start time are part of the
/// transaction's registry entry (written when its first partition is
/// added), so a transaction left open across a restart still times out.
extension TransactionCoordinator {
    /// Kafka's default `transaction.max.timeout.ms` (15 minutes).
    public static let maxTimeoutMsDefault: Int64 = 900_000

    /// What a begin with a timeout did.
    public enum TimedBegin: Sendable, Equatable {
        case begun(TransactionHandle)
        /// INVALID_TRANSACTION_TIMEOUT: `timeoutMs` is not in 1 ... max.
        case refused(ErrorCode, reason: String)
    }

    /// Begins a transaction for `transactionalId` (see `begin`) that is
    /// aborted by `abortTimedOutTransactions` when it is still open
    /// `timeoutMs` after this call.
    public func begin(
        transactionalId id: String, timeoutMs: Int64, maxTimeoutMs: Int64 = maxTimeoutMsDefault
    ) throws(LogError) -> TimedBegin {
        guard timeoutMs > 0, timeoutMs <= maxTimeoutMs else {
            return .refused(
                .invalidTransactionTimeout,
                reason: "transaction.timeout.ms=\(timeoutMs) of '\(id)' is not in 1 to transaction.max.timeout.ms="
                    + "\(maxTimeoutMs); lower the producer's transaction.timeout.ms or raise the server's limit")
        }
        let handle = try begin(transactionalId: id)
        let started = clock()
        state.withLock { state in
            // Written with the entry when the first partition is added.
            guard var entry = state.entries[id], entry.producerId == handle.producerId,
                  entry.producerEpoch == handle.producerEpoch
            else { return }
            entry.timeoutMs = timeoutMs
            entry.startedMilliseconds = started
            state.entries[id] = entry
        }
        timeouts.withLock { $0[id] = TransactionTimeout(handle: handle, startedMilliseconds: started, timeoutMs: timeoutMs) }
        return .begun(handle)
    }

    /// Takes up the timeouts of transactions the registry says are open
    /// (after a restart).
    func restoreTimeouts() {
        let open = state.withLock { state in
            state.entries.values.filter { $0.state == .ongoing && $0.timeoutMs != nil && $0.startedMilliseconds != nil }
        }
        timeouts.withLock { timeouts in
            for entry in open {
                timeouts[entry.transactionalId] = TransactionTimeout(
                    handle: TransactionHandle(
                        transactionalId: entry.transactionalId, producerId: entry.producerId,
                        producerEpoch: entry.producerEpoch),
                    startedMilliseconds: entry.startedMilliseconds!, timeoutMs: entry.timeoutMs!)
            }
        }
    }

    /// When the earliest timed transaction runs out (it may have ended
    /// already), or nil when there is none: when to call
    /// `abortTimedOutTransactions` next.
    public var nextTransactionDeadline: Int64? {
        timeouts.withLock { $0.values.map(\.deadline).min() }
    }

    /// Aborts, with the epoch bumped, every timed transaction still open
    /// past its timeout by the clock; forgets those that ended. Returns the
    /// aborted ids, sorted. A failed abort is logged and retried by the
    /// next call.
    @discardableResult
    public func abortTimedOutTransactions() -> [String] {
        let now = clock()
        let due = timeouts.withLock { timeouts in
            timeouts.values.filter { $0.deadline <= now }.sorted { $0.handle.transactionalId < $1.handle.transactionalId }
        }
        var aborted: [String] = []
        for timeout in due {
            let id = timeout.handle.transactionalId
            let outcome = state.withLock { (state) -> Result<Bool, LogError> in
                guard let entry = state.entries[id], entry.state == .ongoing,
                      entry.producerId == timeout.handle.producerId, entry.producerEpoch == timeout.handle.producerEpoch
                else { return .success(false) }
                do throws(LogError) {
                    var bumped = try bumpEpoch(entry, &state)
                    bumped.state = .aborting
                    try complete(bumped, &state)
                    return .success(true)
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(true):
                aborted.append(id)
                logger.info("transaction '\(id)' aborted: open longer than its timeout of \(timeout.timeoutMs) ms")
                fallthrough
            case .success(false):
                timeouts.withLock { if $0[id] == timeout { $0[id] = nil } }
            case let .failure(error):
                logger.error("transaction '\(id)' ran out of time but was not aborted: \(error); retried next time")
            }
        }
        return aborted
    }
}

/// A transaction begun with a timeout.
///
/// # Thread safety
/// A value type; `Sendable`.
struct TransactionTimeout: Sendable, Equatable {
    let handle: TransactionHandle
    let startedMilliseconds: Int64
    let timeoutMs: Int64

    var deadline: Int64 { startedMilliseconds + timeoutMs }
}

extension TransactionCoordinator {
    /// What `continueTransaction` did.
    public enum Continued: Sendable, Equatable {
        /// The handle's transaction is open (it was, or it is now).
        case open
        /// Refused with Kafka's code: INVALID_PRODUCER_ID_MAPPING (the id
        /// has no such producer), PRODUCER_FENCED (a newer epoch took
        /// over), CONCURRENT_TRANSACTIONS (the last one is still ending).
        case refused(ErrorCode, reason: String)
    }

    /// Opens the next transaction of a Kafka transactional producer: such a
    /// producer keeps its producer id and epoch across transactions (only
    /// InitProducerId, `begin`, bumps the epoch), and its transaction starts
    /// with the first AddPartitionsToTxn or AddOffsetsToTxn. When the
    /// handle's last transaction ended (committed or aborted) a new one
    /// opens at the same epoch; an open one stays open. The timeout starts
    /// here, not at `begin`, so an idle producer is not aborted.
    public func continueTransaction(_ handle: TransactionHandle, timeoutMs: Int64) -> Continued {
        let id = handle.transactionalId
        let now = clock()
        let outcome = state.withLock { state -> (Continued, startsTimeout: Bool) in
            guard var entry = state.entries[id], entry.producerId == handle.producerId else {
                return (.refused(
                    .invalidProducerIdMapping,
                    reason: "transactional id '\(id)' has no producer id \(handle.producerId); the producer must "
                        + "call InitProducerId (initTransactions) again"), false)
            }
            guard entry.producerEpoch == handle.producerEpoch else {
                return (.refused(
                    .producerFenced,
                    reason: "transactional id '\(id)' has epoch \(entry.producerEpoch); this producer has "
                        + "\(handle.producerEpoch): a newer instance took over"), false)
            }
            switch entry.state {
            case .ongoing:
                guard entry.startedMilliseconds == nil else { return (.open, false) }
            case .committed, .aborted:
                entry.state = .ongoing
                entry.partitions = []
            case .committing, .aborting:
                return (.refused(.concurrentTransactions, reason: "the last transaction of '\(id)' is still ending"), false)
            }
            entry.timeoutMs = timeoutMs
            entry.startedMilliseconds = now
            entry.updatedMilliseconds = now
            state.entries[id] = entry
            return (.open, true)
        }
        if outcome.startsTimeout {
            timeouts.withLock { $0[id] = TransactionTimeout(handle: handle, startedMilliseconds: now, timeoutMs: timeoutMs) }
        }
        return outcome.0
    }
}
