import Dispatch
import Foundation
import Log
import Synchronization

/// Runs the served directory's `LogMaintenance` (retention, compaction,
/// transaction timeouts, idle producers) on a thread of its own: its work
/// blocks (deletes, compaction rounds, fsyncs), which neither an event
/// loop nor Swift's cooperative pool may do. It sleeps until
/// `nextDue`, at most `tickMs` (so a config change that makes work due
/// sooner is seen), and `stop()` wakes it and waits for the round in
/// progress, so the directory can be closed after.
///
/// # Thread safety
/// `start()` once, then `stop()` once, from any thread.
public final class MaintenanceThread: Sendable {
    /// The longest the thread sleeps between looks at `nextDue`.
    static let tickMs: Int64 = 1_000

    let maintenance: LogMaintenance
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    public init(maintenance: LogMaintenance) {
        self.maintenance = maintenance
    }

    public func start() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .acquiring) {
                let waitMs = max(0, min(maintenance.nextDue - PartitionLog.wallClockMilliseconds(), Self.tickMs))
                if waitMs > 0 {
                    _ = wake.wait(timeout: .now() + .milliseconds(Int(waitMs)))
                    continue
                }
                maintenance.runDue()
            }
            stopped.signal()
        }
        thread.name = "streamhost-maintenance"
        thread.start()
    }

    /// Wakes the thread and returns once it has finished its round.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
        stopped.wait()
    }
}
