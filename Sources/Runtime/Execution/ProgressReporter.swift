import Dispatch

/// Measures a running attempt's records once per
/// `JobProgress.reportIntervalMs` and hands each `JobProgress` to an
/// observer, until `stop`.
///
/// # Thread safety
/// The observer is called on the reporter's own serial queue, so never
/// concurrently; `stop` may be called from any thread, once, and returns
/// after the observer's last call (`attemptEnded`).
final class ProgressReporter {
    /// Turns two readings of the counters into rates: the values of one
    /// interval, with no clock or thread of its own (tests feed it times).
    struct Meter: Sendable {
        let jobName: String
        private(set) var lastSourceRecords = 0
        private(set) var lastSinkRecords = 0
        private(set) var lastNanoseconds: UInt64

        init(jobName: String, startNanoseconds: UInt64) {
            self.jobName = jobName
            self.lastNanoseconds = startNanoseconds
        }

        /// The progress from the last reading to this one.
        mutating func reading(sourceRecords: Int, sinkRecords: Int, atNanoseconds now: UInt64) -> JobProgress {
            precondition(now >= lastNanoseconds, "progress readings must not go back in time")
            // A zero interval (two readings in the same nanosecond) has no
            // rate: report 0 rather than a division by zero.
            let seconds = Double(now - lastNanoseconds) / 1e9
            func rate(_ delta: Int) -> Double { seconds > 0 ? Double(delta) / seconds : 0 }
            let progress = JobProgress(
                jobName: jobName, sourceRecords: sourceRecords, sinkRecords: sinkRecords,
                sourceRecordsPerSecond: rate(sourceRecords - lastSourceRecords),
                sinkRecordsPerSecond: rate(sinkRecords - lastSinkRecords))
            lastSourceRecords = sourceRecords
            lastSinkRecords = sinkRecords
            lastNanoseconds = now
            return progress
        }
    }

    private let queue = DispatchQueue(label: "streamhost.progress")
    private let timer: any DispatchSourceTimer
    private let observer: any JobProgressObserver

    /// Starts reporting; `counts` reads the attempt's (source, sink) totals.
    init(observer: any JobProgressObserver, jobName: String, counts: @escaping @Sendable () -> (Int, Int)) {
        self.observer = observer
        timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(JobProgress.reportIntervalMs)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        // The meter lives on the queue: only the timer's handler touches it.
        var meter = Meter(jobName: jobName, startNanoseconds: DispatchTime.now().uptimeNanoseconds)
        timer.setEventHandler {
            let (sourceRecords, sinkRecords) = counts()
            observer.progressed(meter.reading(sourceRecords: sourceRecords, sinkRecords: sinkRecords,
                                              atNanoseconds: DispatchTime.now().uptimeNanoseconds))
        }
        timer.resume()
    }

    /// Stops the reports and tells the observer the attempt ended, after
    /// any report already running has returned.
    func stop() {
        timer.cancel()
        // Cancelling does not wait for a handler that is running; a block
        // on the same serial queue runs after it.
        queue.sync { observer.attemptEnded() }
    }
}
