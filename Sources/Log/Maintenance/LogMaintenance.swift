import Logging
import Synchronization

/// The periodic work of a served data directory, on an injected clock:
/// retention every `log.retention.check.interval.ms`, a compaction round
/// every `log.cleaner.backoff.ms`, the abort of timed-out transactions,
/// the expiry of idle producers' state, and the group coordinator's
/// deadlines. Nothing runs on its own: the owner (the server) calls
/// `runDue()` when `nextDue` has come, from a timer of its choice, and
/// tests move a manual clock instead of sleeping.
///
/// It replaces `LogCleaner`'s thread for an owner that has its own timers:
/// use one or the other for a data directory, not both.
///
/// # Thread safety
/// Safe to call from any thread. `runDue` does the work on the calling
/// thread and may take long (a compaction round, fsyncs): call it from a
/// thread that may block (a SwiftNIO `NIOThreadPool`, not an event loop).
/// A call made while another runs returns at once with nothing done.
///
/// # Ownership
/// Holds its `DataDirectory` and `GroupCoordinator`; stop calling before
/// closing the directory (a round then ends with `dataDirectoryClosed`,
/// which is reported, not thrown).
public final class LogMaintenance: Sendable {
    /// How often each task runs; Kafka's names and defaults.
    public struct Config: Sendable, Equatable {
        /// `log.retention.check.interval.ms`.
        public var retentionCheckIntervalMs: Int64 = 300_000
        /// `log.cleaner.backoff.ms`: between compaction rounds.
        public var cleanerIntervalMs: Int64 = LogCleaner.intervalMillisecondsDefault
        /// Whether compaction rounds run at all (`log.cleaner.enable`).
        public var cleanerEnabled = true
        /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`.
        public var transactionTimeoutCheckIntervalMs: Int64 = 10_000
        /// `producer.id.expiration.ms`: a producer idle this long is
        /// forgotten by each partition.
        public var producerIdExpirationMs: Int64 = 86_400_000
        /// `producer.id.expiration.check.interval.ms`.
        public var producerIdExpirationCheckIntervalMs: Int64 = 600_000

        public init() {}
    }

    /// What one `runDue` call did.
    public struct Report: Sendable {
        /// Whether each task ran in this call.
        public var ranRetention = false
        public var ranCleaner = false
        public var ranTransactionTimeouts = false
        public var ranProducerExpiry = false
        public var ranGroupDeadlines = false
        public var segmentsDeleted = 0
        public var compactions: [CompactionResult] = []
        public var abortedTransactions: [String] = []
        public var producersExpired = 0
        /// The failures of the tasks that ran (each was also logged); the
        /// task runs again at its next time.
        public var failures: [LogError] = []
    }

    public let config: Config
    private let directory: DataDirectory
    private let groups: GroupCoordinator?
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var retentionDue: Int64
        var cleanerDue: Int64
        var transactionsDue: Int64
        var producersDue: Int64
        var running = false
    }

    /// Each task first runs one interval after this call.
    /// - Parameter groups: whose deadlines `runDue` acts on; nil when the
    ///   owner drives them itself.
    public init(
        directory: DataDirectory, groups: GroupCoordinator? = nil, config: Config = Config(),
        clock: @escaping @Sendable () -> Int64 = PartitionLog.wallClockMilliseconds,
        logger: Logger = Logger(label: "streamhost.log")
    ) {
        precondition(
            config.retentionCheckIntervalMs > 0 && config.cleanerIntervalMs > 0
                && config.transactionTimeoutCheckIntervalMs > 0 && config.producerIdExpirationCheckIntervalMs > 0,
            "maintenance intervals must be positive")
        self.directory = directory
        self.groups = groups
        self.config = config
        self.clock = clock
        self.logger = logger
        let now = clock()
        state = Mutex(State(
            retentionDue: now + config.retentionCheckIntervalMs, cleanerDue: now + config.cleanerIntervalMs,
            transactionsDue: now + config.transactionTimeoutCheckIntervalMs,
            producersDue: now + config.producerIdExpirationCheckIntervalMs))
    }

    /// When `runDue` has something to do next, by the clock.
    public var nextDue: Int64 {
        let scheduled = state.withLock { state in
            [state.retentionDue, config.cleanerEnabled ? state.cleanerDue : Int64.max, state.transactionsDue,
             state.producersDue].min()!
        }
        let groupDeadline = groups?.nextDeadline ?? Int64.max
        // The directory's transactions may have a deadline sooner than the
        // next check; the check interval bounds how late an abort is, as
        // in Kafka.
        return min(scheduled, groupDeadline)
    }

    /// Runs every task whose time has come; returns what was done.
    @discardableResult
    public func runDue() -> Report {
        let now = clock()
        var report = Report()
        let due = state.withLock { state -> (retention: Bool, cleaner: Bool, transactions: Bool, producers: Bool)? in
            guard !state.running else { return nil }
            state.running = true
            let due = (state.retentionDue <= now, config.cleanerEnabled && state.cleanerDue <= now,
                       state.transactionsDue <= now, state.producersDue <= now)
            if due.0 { state.retentionDue = now + config.retentionCheckIntervalMs }
            if due.1 { state.cleanerDue = now + config.cleanerIntervalMs }
            if due.2 { state.transactionsDue = now + config.transactionTimeoutCheckIntervalMs }
            if due.3 { state.producersDue = now + config.producerIdExpirationCheckIntervalMs }
            return due
        }
        guard let due else { return report }
        defer { state.withLock { $0.running = false } }
        if let groups, let deadline = groups.nextDeadline, deadline <= now {
            groups.expire()
            report.ranGroupDeadlines = true
        }
        if due.transactions {
            report.ranTransactionTimeouts = true
            report.abortedTransactions = directory.transactions.abortTimedOutTransactions()
        }
        if due.retention {
            report.ranRetention = true
            do {
                report.segmentsDeleted = try directory.applyRetention(now: now)
            } catch {
                report.failures.append(error)
            }
        }
        if due.cleaner {
            report.ranCleaner = true
            do {
                report.compactions = try directory.compactAll()
            } catch {
                report.failures.append(error)
            }
        }
        if due.producers {
            report.ranProducerExpiry = true
            for name in directory.topics {
                guard let topic = try? directory.topic(named: name) else { continue }
                for partition in topic.partitions {
                    report.producersExpired += partition.expireProducers(
                        now: now, idleMilliseconds: config.producerIdExpirationMs)
                }
            }
        }
        for failure in report.failures { logger.error("maintenance of \(directory.path): \(failure)") }
        return report
    }
}
