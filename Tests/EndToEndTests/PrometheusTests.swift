import Foundation
import Testing
import TestKit

/// The real Prometheus (Debian's `prometheus`, installed by
/// scripts/bootstrap.sh) scrapes a running `streamhost run` job and a
/// `streamhost serve` whose consumer group has lag; its HTTP API answers
/// PromQL over what it scraped. So names, types and labels are proven
/// against the real scraper, and the Grafana dashboard's expressions
/// against a live scrape.
@Suite struct PrometheusTests {
    static var packageRoot: String { BuildProducts.packageRoot }

    static func prometheus() throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/prometheus"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ServeProcess.Failure(description: "prometheus is not installed; run scripts/bootstrap.sh (it installs Debian's prometheus)")
    }

    /// Runs PromQL `query` through Prometheus's HTTP API: the status and
    /// the instant vector's samples (labels, value).
    static func query(_ query: String, port: Int) throws -> (status: String, samples: [([String: String], Double)]) {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
        let response = try HTTPGet.get(port: port, path: "/api/v1/query?query=\(encoded)")
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            throw ServeProcess.Failure(description: "not JSON from Prometheus: \(response.body.prefix(300))")
        }
        let status = object["status"] as? String ?? "?"
        let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        let samples = result.compactMap { entry -> ([String: String], Double)? in
            guard let value = entry["value"] as? [Any], value.count == 2, let text = value[1] as? String,
                  let number = Double(text) else { return nil }
            return (entry["metric"] as? [String: String] ?? [:], number)
        }
        if status != "success" { return (status + ": " + (object["error"] as? String ?? ""), samples) }
        return (status, samples)
    }

    /// Every expression of the Grafana dashboard.
    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/docs/grafana/streamhost.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        return panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    /// The metric names an expression reads, histogram suffixes removed.
    static func metricNames(in expression: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "streamhost_[a-z0-9_]+")
        let range = NSRange(expression.startIndex..., in: expression)
        return Set(pattern.matches(in: expression, range: range).map { match in
            var name = String(expression[Range(match.range, in: expression)!])
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            return name
        })
    }

    @Test func realPrometheusScrapesAJobAndAServer() throws {
        let binary = try Self.prometheus()
        let scratch = try TemporaryDirectory()
        let (server, servePort) = try MetricsCLITests.serveWithLag(scratch)
        defer { _ = server.stop() }
        let run = try MeteredRun(scratch: scratch, job: MetricsCLITests.meteredJob)
        defer { _ = run.stop() }

        // The example configuration of docs/grafana, with this test's
        // ports and a 1 s interval.
        let example = try String(contentsOfFile: Self.packageRoot + "/docs/grafana/prometheus.yml", encoding: .utf8)
        let config = example.replacingOccurrences(of: "127.0.0.1:9249", with: "127.0.0.1:\(servePort)")
            .replacingOccurrences(of: "127.0.0.1:9250", with: "127.0.0.1:\(run.port)")
            .replacingOccurrences(of: "scrape_interval: 5s", with: "scrape_interval: 1s")
        #expect(config != example)
        let configPath = try scratch.write("prometheus.yml", config)
        let webPort = try HTTPGet.freePort()
        let logPath = scratch.file("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: binary)
        prometheus.arguments = [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(scratch.file("tsdb"))",
            "--web.listen-address=127.0.0.1:\(webPort)",
        ]
        prometheus.standardError = FileHandle(forWritingAtPath: logPath)
        prometheus.standardOutput = FileHandle.nullDevice
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }
        let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        // Two successful scrapes of each target.
        let scraped = ProgressWait.until(boundSeconds: 120, pollMilliseconds: 250, abandon: { !prometheus.isRunning }) {
            guard let answer = try? Self.query("sum_over_time(up[5m])", port: webPort) else { return false }
            let byJob = Dictionary(answer.samples.map { ($0.0["job"] ?? "", $0.1) }, uniquingKeysWith: max)
            return (byJob["streamhost-run"] ?? 0) >= 2 && (byJob["streamhost-serve"] ?? 0) >= 2
        }
        try #require(scraped, "Prometheus did not scrape both targets twice: \(log())")

        // A step's records-in rate, by the job's own labels.
        var rate = 0.0
        ProgressWait.until(boundSeconds: 60, pollMilliseconds: 250) {
            let answer = try? Self.query(
                #"sum(rate(streamhost_task_num_records_in_total{job="metered",step="out"}[30s]))"#, port: webPort)
            rate = answer?.samples.first?.1 ?? 0
            return rate > 0
        }
        #expect(rate > 0, "no records-in rate for step out: \(log())")

        // The group's lag, per partition and its maximum.
        let lag = try Self.query(#"streamhost_group_records_lag{group="audit",topic="events",partition="0"}"#, port: webPort)
        #expect(lag.samples.map(\.1) == [6], "\(lag)")
        let lagMax = try Self.query(#"streamhost_group_records_lag_max{group="audit"}"#, port: webPort)
        #expect(lagMax.samples.map(\.1) == [6], "\(lagMax)")
        // Prometheus kept the type: a counter is one, a histogram has buckets.
        let buckets = try Self.query(#"count(streamhost_sink_event_time_latency_ms_bucket{step="out"})"#, port: webPort)
        #expect((buckets.samples.first?.1 ?? 0) > 1, "\(buckets)")

        // Every metric the dashboard reads is in a live scrape, and
        // Prometheus accepts every expression.
        let live = try HTTPGet.get(port: run.port, path: "/metrics").body + HTTPGet.get(port: servePort, path: "/metrics").body
        let expressions = try Self.dashboardExpressions()
        #expect(expressions.count >= 10)
        for expression in expressions {
            let names = Self.metricNames(in: expression)
            #expect(!names.isEmpty, "\(expression) reads no streamhost metric")
            for name in names {
                #expect(live.contains("# TYPE \(name) "), "the dashboard reads \(name), which no live scrape has")
            }
            let answer = try Self.query(expression, port: webPort)
            #expect(answer.status == "success", "Prometheus refused \(expression): \(answer.status)")
        }
    }
}
