import Foundation
import Observability
import Testing
import TestKit

@Suite struct MetricsEndpointTests {
    @Test func exposesHelpTypeAndLabelledSamples() {
        let registry = MetricsRegistry()
        registry.counter(StreamhostMetrics.recordsIn, ["orders", "gen", "0"]).increment(by: Int64(42))
        registry.gauge(StreamhostMetrics.groupRecordsLag, ["audit", "orders", "3"]).set(Double(7))
        let response = MetricsEndpoint(registry: registry).respond(method: "GET", path: "/metrics?x=1")
        #expect(response.status == 200)
        #expect(response.contentType == MetricsEndpoint.contentType)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("# TYPE streamhost_task_num_records_in_total counter"))
        #expect(text.contains("# HELP streamhost_task_num_records_in_total "))
        #expect(HTTPGet.sample(text, "streamhost_task_num_records_in_total", ["job": "orders", "step": "gen", "instance": "0"]) == 42)
        #expect(HTTPGet.sample(text, "streamhost_group_records_lag", ["group": "audit", "partition": "3"]) == 7)
    }

    @Test func refusesOtherPathsAndMethods() {
        let endpoint = MetricsEndpoint(registry: MetricsRegistry())
        #expect(endpoint.respond(method: "GET", path: "/").status == 404)
        #expect(endpoint.respond(method: "GET", path: "/metricsx").status == 404)
        #expect(endpoint.respond(method: "POST", path: "/metrics").status == 405)
    }

    @Test func collectorsRunBeforeEachScrapeAndCanBeRemoved() {
        let registry = MetricsRegistry()
        let gauge = registry.gauge(StreamhostMetrics.connections, [])
        let calls = CallCount()
        let token = registry.addCollector {
            calls.add()
            gauge.set(Double(calls.value))
        }
        _ = registry.exposition()
        let text = String(decoding: registry.exposition(), as: UTF8.self)
        #expect(HTTPGet.sample(text, "streamhost_broker_connections") == 2)
        registry.removeCollector(token)
        _ = registry.exposition()
        #expect(calls.value == 2)
    }

    @Test func theListenerServesTheEndpointOverHTTP() throws {
        let registry = MetricsRegistry()
        registry.counter(StreamhostMetrics.restarts, ["j"]).increment()
        let listener = try MetricsListener(endpoint: MetricsEndpoint(registry: registry), host: "127.0.0.1", port: 0)
        defer { listener.stop() }
        #expect(listener.port > 0)
        let response = try HTTPGet.get(port: listener.port, path: "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == MetricsEndpoint.contentType)
        #expect(HTTPGet.sample(response.body, "streamhost_job_num_restarts_total", ["job": "j"]) == 1)
        #expect(try HTTPGet.get(port: listener.port, path: "/other").status == 404)
        #expect(try HTTPGet.get(port: listener.port, path: "/metrics", method: "DELETE").status == 405)
    }

    @Test func aTakenAddressIsAClearError() throws {
        let first = try MetricsListener(endpoint: MetricsEndpoint(registry: MetricsRegistry()), host: "127.0.0.1", port: 0)
        defer { first.stop() }
        #expect {
            _ = try MetricsListener(endpoint: MetricsEndpoint(registry: MetricsRegistry()), host: "127.0.0.1", port: first.port)
        } throws: { error in
            "\(error)".contains("cannot listen for /metrics on 127.0.0.1:\(first.port)")
        }
    }
}

/// A count shared with a collector closure.
final class CallCount: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
