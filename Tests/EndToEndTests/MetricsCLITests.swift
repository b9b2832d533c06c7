import Foundation
import Testing
import TestKit

/// `--metrics-listen` through the built binary: a running job's task
/// metrics and a server's log and group metrics, scraped over HTTP as
/// Prometheus does.
@Suite struct MetricsCLITests {
    /// The port of "metrics: http://127.0.0.1:PORT/metrics" in a log.
    static func metricsPort(in log: () -> String, boundSeconds: Double = 60) -> Int? {
        var port: Int?
        ProgressWait.until(boundSeconds: boundSeconds, pollMilliseconds: 20) {
            if let range = log().range(of: "metrics: http://127.0.0.1:") {
                port = Int(log()[range.upperBound...].prefix { $0.isNumber })
            }
            return port != nil
        }
        return port
    }

    /// Scrapes until `condition` holds on the exposition; the last one.
    static func scrape(port: Int, until condition: (String) -> Bool) throws -> String {
        var text = ""
        var failure: (any Error)?
        ProgressWait.until(boundSeconds: 120, pollMilliseconds: 100) {
            do {
                text = try HTTPGet.get(port: port, path: "/metrics").body
                return condition(text)
            } catch {
                failure = error
                return false
            }
        }
        if text.isEmpty, let failure { throw failure }
        return text
    }

    /// A job that runs until stopped, keyed into a sink of parallelism 2.
    static let meteredJob = """
        name: metered
        pipeline:
          - {id: gen, source: datagen, config: {count: 0, rate: 5000}}
          - {id: by, key_by: category}
          - {id: out, sink: blackhole, parallelism: 2}
        """

    @Test func runExposesTaskMetricsWhileTheJobRuns() throws {
        let scratch = try TemporaryDirectory()
        let run = try MeteredRun(scratch: scratch, job: Self.meteredJob)
        let port = run.port
        let text = try Self.scrape(port: port) { text in
            (HTTPGet.sample(text, "streamhost_task_num_records_in_total", ["step": "out", "instance": "1"]) ?? 0) > 0
                && (HTTPGet.sample(text, "streamhost_task_num_records_in_per_second", ["step": "gen"]) ?? 0) > 0
                && (HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_count", ["step": "out"]) ?? 0) > 0
        }
        #expect((HTTPGet.sample(text, "streamhost_task_num_records_in_total", ["job": "metered", "step": "gen", "instance": "0"]) ?? 0) > 0)
        #expect((HTTPGet.sample(text, "streamhost_task_num_records_out_total", ["step": "gen"]) ?? 0) > 0)
        #expect((HTTPGet.sample(text, "streamhost_task_num_records_in_per_second", ["step": "gen"]) ?? 0) > 0)
        #expect((HTTPGet.sample(text, "streamhost_task_plugin_counter_total", ["step": "gen", "counter": "records"]) ?? 0) > 0)
        #expect((HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_count", ["step": "out"]) ?? 0) > 0)
        for name in ["streamhost_task_busy_time_ms_per_second", "streamhost_task_idle_time_ms_per_second",
                     "streamhost_task_back_pressured_time_ms_per_second", "streamhost_task_input_channel_fill_ratio"] {
            #expect(HTTPGet.sample(text, name, ["step": "out", "instance": "0"]) != nil, "\(name) missing")
        }

        #expect(run.stop() == 0, "\(run.log)")
    }

    /// Keyed state per backend: a dedup over ever new keys holds more
    /// entries at every publish; the scrape has its entries and bytes,
    /// labelled with the backend.
    @Test(arguments: ["memory", "rocksdb"])
    func runExposesKeyedStateEntriesAndBytesPerBackend(_ backend: String) throws {
        let scratch = try TemporaryDirectory()
        let run = try MeteredRun(scratch: scratch, job: """
            name: stateful
            state: {backend: \(backend)}
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 5000, seed: 9, key: order_id, schema: bytes, value_size: 16}}
              - {id: by, key_by: $key}
              - {id: once, operator: dedup, config: {ttl_ms: 86400000, time: processing}}
              - {id: out, sink: blackhole}
            """)
        let labels = ["job": "stateful", "step": "once", "instance": "0", "backend": backend]
        let text = try Self.scrape(port: run.port) { text in
            (HTTPGet.sample(text, "streamhost_task_keyed_state_entries", labels) ?? 0) >= 1000
        }
        let entries = try #require(HTTPGet.sample(text, "streamhost_task_keyed_state_entries", labels), "\(text.prefix(2000))")
        #expect(entries >= 1000)
        #expect((HTTPGet.sample(text, "streamhost_task_keyed_state_size_bytes", labels) ?? 0) > 0, "\(text.prefix(2000))")
        // Stateless steps have no keyed-state series.
        #expect(HTTPGet.sample(text, "streamhost_task_keyed_state_entries", ["step": "gen"]) == nil)
        #expect(run.stop() == 0, "\(run.log)")
    }

    /// Latency tracking of records from the log: on a LogAppendTime topic
    /// each record's timestamp is its append time, so the sink's histogram
    /// measures (now − append time); on a CreateTime topic it measures from
    /// the producer's timestamp, here a day old. (Kafka's v2 batches keep
    /// no append time for CreateTime records: docs/METRICS.md.)
    @Test(arguments: [("LogAppendTime", true), ("CreateTime", false)])
    func latencyOfLogRecordsRunsFromTheAppendTimeOnLogAppendTimeTopics(type: String, fromAppend: Bool) throws {
        let scratch = try TemporaryDirectory()
        let data = scratch.file("run-data")
        let created = try CLI.run(["topics", "create", "events", "--partitions", "1", "--config",
                                   "message.timestamp.type=\(type)", "--data-dir", data])
        #expect(created.status == 0, "\(created.standardError)")
        let dayAgo = Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000
        let lines = (0..<200).map { "{\"n\":\($0),\"ts\":\(dayAgo)}" }.joined(separator: "\n") + "\n"
        let produced = try CLI.run(["produce", "events", "--timestamp-field", "ts", "--data-dir", data], input: lines)
        #expect(produced.status == 0, "\(produced.standardError)")
        let run = try MeteredRun(scratch: scratch, job: """
            name: tail
            pipeline:
              - {id: in, source: log, config: {topic: events, bounded: false}}
              - {id: out, sink: blackhole}
            """)
        let text = try Self.scrape(port: run.port) { text in
            (HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_count", ["step": "out"]) ?? 0) >= 200
        }
        let count = try #require(HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_count", ["step": "out"]))
        let sum = try #require(HTTPGet.sample(text, "streamhost_sink_event_time_latency_ms_sum", ["step": "out"]))
        let meanMs = sum / count
        if fromAppend {
            #expect(meanMs < 3_600_000, "mean latency \(meanMs) ms: not from the append time")
        } else {
            #expect(meanMs >= 86_400_000, "mean latency \(meanMs) ms: not from the producer's timestamp")
        }
        #expect(run.stop() == 0, "\(run.log)")
    }

    @Test func aTakenMetricsAddressFailsTheRunWithTheReason() throws {
        let scratch = try TemporaryDirectory()
        let job = try scratch.write("short.yaml", """
            name: short
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: out, sink: blackhole}
            """)
        let holder = try ServeProcess(
            dataDir: scratch.file("held"), scratch: scratch, extraArguments: ["--metrics-listen", "127.0.0.1:0"])
        defer { _ = holder.stop() }
        let port = try #require(Self.metricsPort(in: { holder.log }))
        let outcome = try CLI.run(["run", job, "--data-dir", scratch.file("data"), "--metrics-listen", "127.0.0.1:\(port)"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("cannot listen for /metrics on 127.0.0.1:\(port)"))
        let bad = try CLI.run(["run", job, "--data-dir", scratch.file("data"), "--metrics-listen", "nowhere"])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("--metrics-listen"))
    }

    /// A server with `--metrics-listen`, a topic `events` of one
    /// partition holding 10 records, and a group `audit` that read 4 of
    /// them (lag 6); the server and its metrics port.
    static func serveWithLag(_ scratch: TemporaryDirectory) throws -> (server: ServeProcess, port: Int) {
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch, extraArguments: ["--metrics-listen", "127.0.0.1:0"])
        guard let port = Self.metricsPort(in: { server.log }) else {
            _ = server.stop()
            throw ServeProcess.Failure(description: "no metrics line from serve: \(server.log)")
        }
        let steps: [([String], String?)] = [
            (["topics", "create", "events", "--partitions", "1"], nil),
            (["produce", "events"], (0..<10).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n"),
            (["consume", "events", "--group", "audit", "--from-beginning", "--max", "4"], nil),
        ]
        for (arguments, input) in steps {
            let outcome = try CLI.run(arguments + ["--data-dir", data], input: input, timeoutSeconds: 120)
            guard outcome.status == 0 else {
                _ = server.stop()
                throw ServeProcess.Failure(description: "\(arguments.joined(separator: " ")): \(outcome.standardError)")
            }
        }
        return (server, port)
    }

    @Test func serveExposesLogAndConsumerGroupLag() throws {
        let scratch = try TemporaryDirectory()
        let (server, port) = try Self.serveWithLag(scratch)
        defer { _ = server.stop() }

        let text = try Self.scrape(port: port) { text in
            HTTPGet.sample(text, "streamhost_group_records_lag", ["group": "audit", "topic": "events", "partition": "0"]) != nil
        }
        #expect(HTTPGet.sample(text, "streamhost_group_records_lag", ["group": "audit", "topic": "events", "partition": "0"]) == 6)
        #expect(HTTPGet.sample(text, "streamhost_group_records_lag_max", ["group": "audit"]) == 6)
        #expect(HTTPGet.sample(text, "streamhost_log_partition_end_offset", ["topic": "events", "partition": "0"]) == 10)
        #expect((HTTPGet.sample(text, "streamhost_log_partition_size_bytes", ["topic": "events", "partition": "0"]) ?? 0) > 0)
        #expect(HTTPGet.sample(text, "streamhost_log_records_in_total", ["topic": "events"]) == 10)
        #expect((HTTPGet.sample(text, "streamhost_log_records_out_total", ["topic": "events"]) ?? 0) >= 4)
        #expect((HTTPGet.sample(text, "streamhost_log_bytes_in_total", ["topic": "events"]) ?? 0) > 0)
        #expect((HTTPGet.sample(text, "streamhost_broker_requests_total", ["api": "Produce"]) ?? 0) >= 1)
        #expect((HTTPGet.sample(text, "streamhost_broker_request_latency_seconds_count", ["api": "Fetch"]) ?? 0) >= 1)
        #expect((HTTPGet.sample(text, "streamhost_broker_connections_accepted_total") ?? 0) >= 2)
        #expect(HTTPGet.sample(text, "streamhost_broker_connections") != nil)
    }
}

/// `streamhost run JOB --metrics-listen 127.0.0.1:0 --latency-tracking`
/// in the background, until `stop` (SIGTERM: drain and exit).
final class MeteredRun {
    let process = Process()
    let logPath: String
    let port: Int

    init(scratch: TemporaryDirectory, job text: String) throws {
        let job = try scratch.write("metered-\(UUID().uuidString).yaml", text)
        logPath = scratch.file("run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: BuildProducts.streamhost)
        process.arguments = ["run", job, "--data-dir", scratch.file("run-data"), "--no-progress",
                             "--metrics-listen", "127.0.0.1:0", "--latency-tracking"]
        process.environment = ProcessInfo.processInfo.environment.merging(["STREAMHOST_PLUGIN_PATH": ""]) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let path = logPath
        guard let port = MetricsCLITests.metricsPort(in: { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" })
        else {
            kill(process.processIdentifier, SIGKILL)
            throw ServeProcess.Failure(description: "no metrics line from run: \((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")")
        }
        self.port = port
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status (nil if it did not end within a minute).
    func stop() -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let ended = ProgressWait.until(boundSeconds: 60, pollMilliseconds: 20) { !process.isRunning }
        guard ended else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
