import Synchronization
import Testing
import TestKit

@testable import Runtime

@Suite("ProgressReporter")
struct ProgressReporterTests {
    /// The meter turns two readings into per-second rates over the time
    /// between them, and keeps the totals as read.
    @Test func theMeterReportsTheRatesOfEachInterval() {
        var meter = ProgressReporter.Meter(jobName: "orders", startNanoseconds: 1_000)
        let first = meter.reading(sourceRecords: 1000, sinkRecords: 500, atNanoseconds: 1_000 + 500_000_000)
        #expect(first == JobProgress(jobName: "orders", sourceRecords: 1000, sinkRecords: 500,
                                     sourceRecordsPerSecond: 2000, sinkRecordsPerSecond: 1000))
        let second = meter.reading(sourceRecords: 1000, sinkRecords: 1500, atNanoseconds: 1_000 + 1_500_000_000)
        #expect(second.sourceRecordsPerSecond == 0 && second.sinkRecordsPerSecond == 1000)
        #expect(second.sourceRecords == 1000 && second.sinkRecords == 1500)
        // Two readings at the same instant have no rate (not a division by zero).
        let third = meter.reading(sourceRecords: 1200, sinkRecords: 1500, atNanoseconds: 1_000 + 1_500_000_000)
        #expect(third.sourceRecordsPerSecond == 0)
    }

    /// A running job hands its progress to the observer as values (the
    /// engine prints nothing) and ends each attempt with one
    /// `attemptEnded`, after every report.
    @Test func aRunReportsToItsObserverAndEndsOnce() throws {
        let directory = try TemporaryDirectory(prefix: "progress")
        // 400 records at 200/s: the run lasts at least two seconds, so the
        // first report (after one) comes while it runs.
        let plan = try makePlan("""
            name: measured
            pipeline:
              - {id: gen, source: datagen, config: {count: 400, rate: 200}}
              - {id: out, sink: blackhole}
            """, in: directory)
        let observer = RecordingObserver()
        var options = RunOptions(workers: 2, deadLetterPath: directory.file("dlq.jsonl"))
        options.progress = observer
        let result = try JobExecution(plan: plan, options: options).run()
        #expect(result.failure == nil)
        let events = observer.events.withLock { $0 }
        #expect(events.last == .ended)
        #expect(events.filter { $0 == .ended }.count == 1)
        let reports = events.compactMap { event -> JobProgress? in
            if case .progressed(let progress) = event { progress } else { nil }
        }
        #expect(!reports.isEmpty, "\(events)")
        for report in reports {
            #expect(report.jobName == "measured")
            #expect(report.sourceRecords <= result.sourceRecords && report.sinkRecords <= result.sinkRecords)
        }
        #expect(reports.map(\.sourceRecords) == reports.map(\.sourceRecords).sorted())
    }
}

/// Keeps every call the runtime makes, in order.
final class RecordingObserver: JobProgressObserver {
    enum Event: Equatable, Sendable {
        case progressed(JobProgress)
        case ended
    }

    let events = Mutex<[Event]>([])

    func progressed(_ progress: JobProgress) { events.withLock { $0.append(.progressed(progress)) } }
    func attemptEnded() { events.withLock { $0.append(.ended) } }
}
