import NIOCore

/// Runs a connection's task on its channel's event loop.
///
/// Without it every request crossed threads four times: the event loop
/// handed the frame to a Swift task on the cooperative pool, the task
/// handed the log work to a Dispatch thread, that thread resumed the task,
/// and the task handed the response back to the event loop. Each crossing
/// is a futex wake-up and a context switch, which cost more than the
/// append itself (docs/BENCHMARKS.md, Benchmark 12). With the event loop
/// as the connection task's executor preference, the inbound frame, the
/// handler (non-isolated async code runs on the preferred executor) and
/// the outbound write stay on one thread; only work that may block for
/// long (an fsync, a group's wait) leaves it, through `Broker.offloaded`.
///
/// # Thread safety
/// Immutable; `enqueue` is called from any thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
