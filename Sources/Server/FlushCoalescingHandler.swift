import NIOCore

/// Turns the flushes of one event-loop pass into one.
///
/// The connection's task writes each response with its own flush, and a
/// client that pipelines requests (a producer keeps up to 5 in flight)
/// gets its answers in as many `write` system calls, each of which also
/// runs the loopback delivery to the peer: the largest cost after the
/// append itself (docs/BENCHMARKS.md, Benchmark 12). This handler holds a
/// flush until the tasks already queued on the event loop have run, so the
/// answers to every request read in one pass leave in one `writev`.
/// Responses keep their order (writes pass through at once, only the
/// flush waits), and a close flushes first, so no answer is dropped.
///
/// # Thread safety
/// A channel handler: used on its channel's event loop only.
final class FlushCoalescingHandler: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    /// True while a flush is queued on the event loop.
    private var isFlushQueued = false

    func flush(context: ChannelHandlerContext) {
        guard !isFlushQueued else { return }
        isFlushQueued = true
        context.eventLoop.assumeIsolated().execute { self.flushNow(context) }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        flushNow(context)
        context.close(mode: mode, promise: promise)
    }

    private func flushNow(_ context: ChannelHandlerContext) {
        guard isFlushQueued else { return }
        isFlushQueued = false
        context.flush()
    }
}

@available(*, unavailable)
extension FlushCoalescingHandler: Sendable {}
