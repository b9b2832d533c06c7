import Foundation
import Testing
import TestKit

/// A served job's live metrics (its worker's samples through
/// DATA/jobs/ID/metrics.json) in `GET /v1/jobs/ID`, the server's /metrics
/// and the dashboard's history; and the dashboard itself, loaded by a real
/// browser (Debian's chromium, headless; scripts/bootstrap.sh installs it).
@Suite(.serialized) struct DashboardTests {
    let base: JobServiceTests

    init() throws { base = try JobServiceTests() }

    /// A running job whose rates are never 0: datagen at a bounded rate,
    /// event time from now (so the watermark lag is small), into the topic
    /// `events`, which the group `audit` read only the start of (so it
    /// lags, more and more).
    func startServerWithARunningJob() throws -> (ServeProcess, String) {
        let server = try base.startServer()
        let steps: [([String], String?)] = [
            (["topics", "create", "events", "--partitions", "1"], nil),
            (["produce", "events"], (0..<10).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n"),
            (["consume", "events", "--group", "audit", "--from-beginning", "--max", "4"], nil),
        ]
        for (arguments, input) in steps {
            let outcome = try CLI.run(arguments + ["--data-dir", base.data], input: input, timeoutSeconds: 120)
            try #require(outcome.status == 0, "\(arguments.joined(separator: " ")): \(outcome.standardError)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let job = try base.scratch.write("pulse.yaml", """
            name: pulse
            checkpoints: {interval_ms: 1000}
            pipeline:
              - id: gen
                source: datagen
                config: {count: 0, rate: 200, start_time: \(now), time_step_ms: 5}
                watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 500}
              - {id: big, operator: filter, config: {where: "amount >= 100"}}
              - {id: sink, sink: log, config: {topic: events}}
            """)
        let submitted = try base.jobs(["submit", job])
        try #require(submitted.status == 0, "\(submitted.standardError)")
        return (server, submitted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func json(_ path: String) throws -> [String: Any] {
        let (status, body) = try base.http("GET", path)
        #expect(status == 200, "\(path): \(status) \(body.prefix(300))")
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    static func step(_ id: String, of described: [String: Any]) -> [String: Any] {
        ((described["steps"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == id } ?? [:]
    }

    @Test func aServedJobsLiveMetricsReachDescribeMetricsAndHistory() throws {
        let (server, id) = try startServerWithARunningJob()
        defer { _ = server.stop() }
        // The worker's samples arrive once a second; rates need two.
        var described: [String: Any] = [:]
        let live = try base.waitFor(180) {
            described = try json("/v1/jobs/\(id)")
            let gen = Self.step("gen", of: described)["live"] as? [String: Any]
            return (gen?["recordsInPerSecond"] as? Double ?? 0) > 0
        }
        try #require(live, "no live rates: \(described)\n\(server.log)")
        let gen = try #require(Self.step("gen", of: described)["live"] as? [String: Any])
        #expect((gen["recordsIn"] as? Int ?? 0) > 0)
        #expect(gen["busyMsPerSecond"] is NSNumber && gen["idleMsPerSecond"] is NSNumber, "\(gen)")
        #expect((gen["instances"] as? [[String: Any]])?.count == 1)
        #expect(gen["outputWatermarkMs"] is NSNumber && gen["watermarkLagMs"] is NSNumber, "\(gen)")
        let sink = try #require(Self.step("sink", of: described)["live"] as? [String: Any])
        #expect((sink["recordsIn"] as? Int ?? 0) > 0, "\(sink)")
        // key_by steps have no task; this job has none. Checkpoints: live.
        let ready = try base.waitFor(60) {
            ((try json("/v1/jobs/\(id)")["liveCheckpoints"] as? [String: Any])?["completed"] as? Int ?? 0) > 0
        }
        #expect(ready, "no completed checkpoint in liveCheckpoints")

        // The server's /metrics: the worker's task series, labelled.
        let (scrape, metrics) = try base.http("GET", "/metrics")
        #expect(scrape == 200)
        let labels = ["job": "pulse", "step": "gen", "instance": "0"]
        #expect((HTTPGet.sample(metrics, "streamhost_task_num_records_in_total", labels) ?? 0) > 0, "\(metrics.prefix(2000))")
        #expect((HTTPGet.sample(metrics, "streamhost_task_num_records_in_per_second", labels) ?? 0) > 0)
        #expect(HTTPGet.sample(metrics, "streamhost_task_busy_time_ms_per_second", labels) != nil)
        #expect(HTTPGet.sample(metrics, "streamhost_task_watermark_lag_ms", labels) != nil)
        #expect((HTTPGet.sample(metrics, "streamhost_job_num_completed_checkpoints_total", ["job": "pulse"]) ?? 0) > 0)

        // The dashboard's history: per step, and the log's.
        let history = try json("/v1/dashboard/jobs/\(id)?seconds=60")
        let times = history["times"] as? [Int] ?? []
        #expect(times.count >= 2, "\(history)")
        let steps = (history["steps"] as? [[String: Any]]) ?? []
        #expect(steps.compactMap { $0["id"] as? String } == ["gen", "big", "sink"], "\(history)")
        let rates = (steps.first?["recordsInPerSecond"] as? [Any]) ?? []
        #expect(rates.count == times.count && rates.contains { ($0 as? Double ?? 0) > 0 }, "\(rates)")
        let log = try base.waitFor(60) {
            let log = try json("/v1/dashboard/log?seconds=60")
            let events = ((log["topics"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "events" }
            let perSecond = ((events?["history"] as? [String: Any])?["recordsPerSecond"] as? [Any]) ?? []
            let audit = ((log["groups"] as? [[String: Any]]) ?? []).first { $0["groupId"] as? String == "audit" }
            let lag = ((audit?["partitions"] as? [[String: Any]])?.first?["lag"] as? Int) ?? 0
            return perSecond.contains { ($0 as? Double ?? 0) > 0 } && lag > 6
        }
        #expect(log, "\((try? json("/v1/dashboard/log?seconds=60")) ?? [:])")
        for bad in ["/v1/dashboard/log?seconds=0", "/v1/dashboard/log?seconds=601", "/v1/dashboard/log?seconds=x",
                    "/v1/dashboard/jobs/0123456789abcdef", "/v1/dashboard/jobs/..%2Fx"] {
            let (status, body) = try base.http("GET", bad)
            #expect(status == (bad.contains("0123456789abcdef") ? 404 : 400), "\(bad): \(status) \(body)")
        }
        let cancelled = try base.jobs(["cancel", id])
        #expect(cancelled.status == 0, "\(cancelled.standardError)")
        #expect(try base.waitFor { try base.describe(id)["supervisorPid"] == nil })
        // A job that does not run has no live figures.
        #expect(Self.step("gen", of: try json("/v1/jobs/\(id)"))["live"] == nil)
    }

    /// The dashboard in headless Chromium: the page loads the API's data
    /// and shows the job, its steps in the graph, non-zero rates and the
    /// consumer group's lag table; a screenshot goes under the build folder.
    @Test(.enabled(if: Chromium.path != nil, Chromium.missing))
    func theDashboardShowsTheJobInChromium() throws {
        let browser = try #require(Chromium.path)
        let (server, id) = try startServerWithARunningJob()
        defer { _ = server.stop() }
        let ratesKnown = try base.waitFor(180) {
            let gen = Self.step("gen", of: try json("/v1/jobs/\(id)"))["live"] as? [String: Any]
            return (gen?["recordsInPerSecond"] as? Double ?? 0) > 0
        }
        try #require(ratesKnown, "no live rates: \(server.log)")
        let address = "http://\(base.httpAddress()!)/"

        // The static files carry no data and the headers that keep them to
        // this server.
        let page = try HTTPGet.get(port: Int(base.httpAddress()!.split(separator: ":").last!)!, path: "/")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.headers["content-security-policy"]?.contains("connect-src 'self'") == true, "\(page.headers)")
        #expect(!page.body.contains(id) && !page.body.contains("pulse"))

        var dom = ""
        let shown = try base.waitFor(240) {
            dom = try Chromium.dumpDOM(browser, address, profile: base.scratch.file("chromium-dom"))
            return dom.contains(#"data-state="ready""#) && (Self.rate(in: dom, step: "gen") ?? 0) > 0
                && dom.contains(#"class="lag-row""#)
        }
        #expect(shown, "the dashboard did not show the live job: \(dom.prefix(4000))")
        #expect(dom.contains(#"data-job="\#(id)""#) && dom.contains(">pulse<"), "the job is not listed")
        for step in ["gen", "big", "sink"] {
            #expect(dom.contains(#"class="step-node" data-step="\#(step)""#), "step \(step) is not in the graph")
        }
        #expect((Self.rate(in: dom, step: "gen") ?? 0) > 0)
        #expect(dom.contains(#"class="lag-table" data-group="audit""#), "no lag table of group audit")
        let lag = Self.attribute("data-lag", after: #"class="lag-row" data-topic="events" data-partition="0""#, in: dom)
        #expect((lag.flatMap(Double.init) ?? 0) >= 6, "lag \(lag ?? "none")")
        #expect(dom.contains(#"class="topic-row" data-topic="events""#))
        #expect(dom.contains(#"id="job-graph""#) && dom.contains("<polyline"), "no graph or plot")

        let screenshot = BuildProducts.directory + "/dashboard/dashboard.png"
        try Chromium.screenshot(browser, address, to: screenshot, profile: base.scratch.file("chromium-shot"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(bytes.count > 10_000 && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG: \(bytes.count) bytes")
        print("dashboard screenshot: \(screenshot)")
        let cancelled = try base.jobs(["cancel", id])
        #expect(cancelled.status == 0, "\(cancelled.standardError)")
    }

    /// The records-in rate the steps table shows for `step` (its cell's
    /// data-value).
    static func rate(in dom: String, step: String) -> Double? {
        guard let row = dom.range(of: #"<tr class="step-row" data-step="\#(step)">"#) else { return nil }
        let rest = dom[row.upperBound...]
        let end = rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex
        return attribute("data-value", after: #"class="rate records-in-rate""#, in: String(rest[..<end])).flatMap(Double.init)
    }

    /// The value of `name` in the first element whose text after `<tag `
    /// starts with `marker`.
    static func attribute(_ name: String, after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker) else { return nil }
        let tail = text[start.upperBound...]
        let close = tail.firstIndex(of: ">") ?? tail.endIndex
        let tag = tail[..<close]
        guard let at = tag.range(of: " \(name)=\"") else { return nil }
        let value = tag[at.upperBound...]
        return value.firstIndex(of: "\"").map { String(value[..<$0]) }
    }
}

/// Debian's chromium, headless, as the dashboard test drives it.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let missing: Comment = "chromium is not installed and scripts/bootstrap.sh could not install it (apt-get install chromium); the dashboard's browser test is skipped"

    /// Flags for a headless run as root in a container: no sandbox (root
    /// has none), no GPU, a profile of its own, and virtual time so the
    /// page's fetches and first refreshes run before the answer is taken.
    static func arguments(profile: String) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--user-data-dir=\(profile)",
            "--virtual-time-budget=15000", "--window-size=1400,2300",
        ]
    }

    static func dumpDOM(_ browser: String, _ address: String, profile: String) throws -> String {
        let outcome = try ProcessRunner.run(browser, arguments(profile: profile) + ["--dump-dom", address],
                                            timeoutSeconds: 120)
        guard outcome.status == 0 else {
            throw ServeProcess.Failure(description: "chromium --dump-dom failed (\(outcome.status)): \(outcome.standardError)")
        }
        return outcome.standardOutput
    }

    static func screenshot(_ browser: String, _ address: String, to path: String, profile: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        let outcome = try ProcessRunner.run(browser, arguments(profile: profile) + ["--screenshot=\(path)", address],
                                            timeoutSeconds: 120)
        guard outcome.status == 0, FileManager.default.fileExists(atPath: path) else {
            throw ServeProcess.Failure(description: "chromium --screenshot failed (\(outcome.status)): \(outcome.standardError)")
        }
    }
}
