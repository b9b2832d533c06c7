import Core
import Foundation
import HTTPAPI
@testable import JobService
import Observability
import Testing
import TestKit

/// The dashboard's pieces below the browser: the embedded page is the one
/// in web/dashboard and asks nothing of any other host; a worker's sample
/// survives its file; the server's live view takes rates between two
/// samples and keeps them in its history.
@Suite struct DashboardPageTests {
    @Test func theEmbeddedFilesAreThoseOfWebDashboard() throws {
        let names = ["/": "index.html", "/dashboard.css": "dashboard.css", "/dashboard.js": "dashboard.js"]
        #expect(Set(DashboardPage.assets.map(\.path)) == Set(names.keys))
        for asset in DashboardPage.assets {
            let file = try String(contentsOfFile: BuildProducts.packageRoot + "/web/dashboard/" + names[asset.path]!,
                                  encoding: .utf8)
            #expect(asset.body == file.trimmingCharacters(in: .newlines),
                    "\(asset.path) differs from web/dashboard: run python3 scripts/dashboard.py")
        }
    }

    /// No request leaves the server: no address but the SVG namespace, and
    /// the page loads only its own script and style.
    @Test func thePageFetchesNothingFromElsewhere() throws {
        for asset in DashboardPage.assets {
            let addresses = asset.body.components(separatedBy: "://").dropFirst().map { $0.prefix(30) }
            #expect(addresses.allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") }, "\(asset.path): \(addresses)")
        }
        let page = try #require(DashboardPage.assets.first { $0.path == "/" }).body
        #expect(page.contains(#"<script src="/dashboard.js" defer></script>"#))
        #expect(page.contains(#"<link rel="stylesheet" href="/dashboard.css">"#))
        #expect(!page.contains("<script>"), "an inline script would need the CSP to allow it")
        let policy = try #require(DashboardPage.securityHeaders.first { $0.0 == "Content-Security-Policy" }).1
        #expect(policy.contains("connect-src 'self'") && policy.contains("script-src 'self'"))
    }
}

@Suite struct LiveMetricsTests {
    static func task(_ step: String, _ instance: Int, in recordsIn: Int, out recordsOut: Int, busyMs: UInt64,
                     watermarkMs: Int64? = nil) -> JobSample.Task {
        var task = JobSample.Task(step: step, instance: instance)
        task.recordsIn = recordsIn
        task.recordsOut = recordsOut
        task.busyNanoseconds = busyMs * 1_000_000
        task.outputWatermarkMs = watermarkMs
        task.inputQueued = 1
        task.inputCapacity = 4
        task.counters = [(name: "seen", value: Int64(recordsIn))]
        return task
    }

    static func sample(atSeconds seconds: UInt64, wallClockMs: Int64, _ tasks: [JobSample.Task]) -> JobSample {
        var sample = JobSample(attempt: 1, monotonicNanoseconds: seconds * 1_000_000_000, wallClockMs: wallClockMs)
        sample.tasks = tasks
        sample.deadLetters = [JobSample.DeadLetters(step: "map", reason: "plugin", count: 2)]
        sample.checkpoints.completed = Int(seconds)
        sample.checkpoints.lastDurationMs = 12.5
        sample.checkpoints.lastSizeBytes = 4096
        sample.checkpoints.lastAlignmentMs = 0.5
        sample.checkpoints.lastID = Int64(seconds)
        return sample
    }

    @Test func aSampleSurvivesItsFile() throws {
        var task = Self.task("gen", 1, in: 10, out: 9, busyMs: 7, watermarkMs: 1_000)
        task.busyNanoseconds = UInt64.max - 3
        task.keyedStateEntries = 1_234
        task.keyedStateBytes = 56_789
        var sample = Self.sample(atSeconds: 3, wallClockMs: 5_000, [task])
        sample.stateBackend = "rocksdb"
        let text = LiveSampleFile.json(sample, workerPid: 42).serialized()
        let read = try LiveSampleFile.sample(try JSONFields(parsing: Array(text.utf8)))
        #expect(read.attempt == 42 * 1_000_003 + 1)
        #expect(read.monotonicNanoseconds == sample.monotonicNanoseconds && read.wallClockMs == 5_000)
        let back = try #require(read.tasks.first)
        #expect(back.step == "gen" && back.instance == 1 && back.recordsIn == 10 && back.recordsOut == 9)
        #expect(back.busyNanoseconds == UInt64.max - 3 && back.outputWatermarkMs == 1_000 && back.inputWatermarkMs == nil)
        #expect(back.inputQueued == 1 && back.inputCapacity == 4)
        #expect(back.counters.map(\.name) == ["seen"] && back.counters.map(\.value) == [10])
        // The keyed state's size reaches the server's /metrics for served jobs too.
        #expect(back.keyedStateEntries == 1_234 && back.keyedStateBytes == 56_789 && read.stateBackend == "rocksdb")
        #expect(read.deadLetters == sample.deadLetters)
        #expect(read.checkpoints == sample.checkpoints)
        // A field missing is named, not guessed.
        let broken = text.replacingOccurrences(of: "\"recordsOut\"", with: "\"recordsGone\"")
        #expect(throws: JSONFieldError.self) { try LiveSampleFile.sample(try JSONFields(parsing: Array(broken.utf8))) }
    }

    @Test func theServerTakesRatesBetweenSamplesAndKeepsTheirHistory() throws {
        let scratch = try TemporaryDirectory(prefix: "live")
        let registry = MetricsRegistry()
        let live = LiveJobs(registry: registry)
        let target = LiveJobs.Target(id: "0123456789abcdef", name: "orders", directory: scratch.path, restarts: 0)
        func write(_ sample: JobSample) throws {
            let bytes = LiveSampleFile.json(sample, workerPid: 7).serializedBytes()
            try Data(bytes).write(to: URL(fileURLWithPath: scratch.path + "/" + LiveSampleFile.fileName))
        }
        try write(Self.sample(atSeconds: 10, wallClockMs: 100_000, [
            Self.task("map", 0, in: 100, out: 100, busyMs: 0, watermarkMs: 90_000),
            Self.task("map", 1, in: 50, out: 50, busyMs: 0, watermarkMs: 95_000),
        ]))
        live.collect([target], nowMs: 100_500)
        // One sample: counts, no rates yet.
        let first = try #require(live.stepLive(id: target.id, step: "map", nowMs: 100_500))
        #expect(first.recordsIn == 150 && first.recordsInPerSecond == nil)
        try write(Self.sample(atSeconds: 12, wallClockMs: 102_000, [
            Self.task("map", 0, in: 700, out: 500, busyMs: 400, watermarkMs: 99_000),
            Self.task("map", 1, in: 250, out: 250, busyMs: 1_000, watermarkMs: 100_000),
        ]))
        live.collect([target], nowMs: 102_100)
        // The same file read again changes nothing.
        live.collect([target], nowMs: 102_200)
        let step = try #require(live.stepLive(id: target.id, step: "map", nowMs: 102_200))
        #expect(step.recordsIn == 950 && step.recordsOut == 750)
        #expect(step.recordsInPerSecond == 300 + 100 && step.recordsOutPerSecond == 200 + 100)
        // The busiest instance: 1000 ms of busy time over 2 s.
        #expect(step.busyMsPerSecond == 500 && step.idleMsPerSecond == 500)
        #expect(step.outputWatermarkMs == 99_000 && step.watermarkLagMs == 3_000)
        #expect(step.instances.map(\.instance) == [0, 1] && step.instances[0].inputChannelFill == 0.25)
        let checkpoints = try #require(live.checkpointsLive(id: target.id, nowMs: 102_200))
        #expect(checkpoints.completed == 12 && checkpoints.lastID == 12 && checkpoints.lastSizeBytes == 4096)

        let history = try JSONFields(live.history(id: target.id, samples: 600, steps: ["gen", "map"]))
        #expect(try history.read("times") as [Int64] == [100_000, 102_000])
        let steps = try history.objects("steps")
        #expect(try steps.map { try $0.read("id") as String } == ["map"])
        #expect(try steps[0].readElementsOrNullDoubles("recordsInPerSecond") == [nil, 400])
        #expect(try steps[0].readElementsOrNullDoubles("watermarkLagMs") == [10_000, 3_000])
        let outcomes = try history.objects("checkpoints")
        #expect(try outcomes.map { try $0.read("outcome") as String } == ["completed", "completed"])
        #expect(try outcomes.map { try $0.read("count") as Int } == [10, 2])

        // The server's /metrics has the worker's series with its labels.
        let text = String(decoding: registry.exposition(), as: UTF8.self)
        let labels = ["job": "orders", "step": "map", "instance": "0"]
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_total", labels) == 700)
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_per_second", labels) == 300)
        #expect(HTTPGet.sample(text, "streamhost_task_busy_time_ms_per_second", labels) == 200)
        #expect(HTTPGet.sample(text, "streamhost_task_plugin_counter_total", ["step": "map", "instance": "1"]) == 250)
        #expect(HTTPGet.sample(text, "streamhost_job_num_completed_checkpoints_total", ["job": "orders"]) == 12)

        // A sample older than the staleness bound is not live.
        #expect(live.stepLive(id: target.id, step: "map", nowMs: 102_000 + LiveJobs.staleAfterMs + 1) == nil)
    }
}

extension JSONFields {
    /// An array of numbers and nulls.
    func readElementsOrNullDoubles(_ key: String) throws -> [Double?] {
        guard let values = object[key]?.arrayValue else { throw JSONFieldError(path: key, problem: "is missing") }
        return values.map(\.doubleValue)
    }
}
