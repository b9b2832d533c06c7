import Dispatch
import Observability

/// Publishes a running attempt's metrics once per `intervalMs`, and once
/// more at `stop`, on a queue of its own.
///
/// # Thread safety
/// `publish` runs on the reporter's serial queue, never concurrently;
/// `stop` may be called from any thread, once, and returns after the last
/// publish.
final class MetricsReporter {
    /// How often a running attempt's metrics reach the registry.
    static let intervalMs = 1000

    private let queue = DispatchQueue(label: "streamhost.metrics")
    private let timer: any DispatchSourceTimer
    private let publish: @Sendable () -> Void

    init(publish: @escaping @Sendable () -> Void) {
        self.publish = publish
        timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(Self.intervalMs)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler(handler: publish)
        timer.resume()
    }

    /// Stops the timer and publishes the attempt's final figures (every
    /// task published its own when it finished).
    func stop() {
        timer.cancel()
        queue.sync { publish() }
    }
}
