#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestKit

/// Jobs inside `streamhost serve` (docs/SERVER.md, "Jobs"), driven through
/// `streamhost jobs ...` and the HTTP API of a server on free loopback
/// ports.
@Suite(.serialized) struct JobServiceTests {
    let scratch: TemporaryDirectory
    let data: String

    init() throws {
        scratch = try TemporaryDirectory(prefix: "jobs")
        data = scratch.file("data")
    }

    func startServer(httpListen: String = "127.0.0.1:0") throws -> ServeProcess {
        let server = try ServeProcess(dataDir: data, scratch: scratch, extraArguments: ["--http-listen", httpListen])
        // The discovery file names the HTTP API once it is bound.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, httpAddress() == nil { usleep(20_000) }
        guard httpAddress() != nil else { throw ServeProcess.Failure(description: "no HTTP API: \(server.log)") }
        return server
    }

    func httpAddress() -> String? {
        guard let bytes = FileManager.default.contents(atPath: data + "/server.json"),
              let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any]
        else { return nil }
        return object["http"] as? String
    }

    func jobs(_ arguments: [String]) throws -> ProcessOutcome {
        try CLI.run(["jobs"] + arguments + ["--data-dir", data], timeoutSeconds: 300)
    }

    /// One HTTP request with curl: (status, body).
    func http(_ method: String, _ path: String, body: String? = nil, token: Bool = false) throws -> (Int, String) {
        // --path-as-is: `..` reaches the server as it is, not squashed by curl.
        var arguments = ["-s", "--path-as-is", "-o", "-", "-w", "\n%{http_code}", "-X", method, "http://\(httpAddress()!)\(path)"]
        if let body {
            let file = scratch.file("body-\(UUID().uuidString)")
            try body.write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(file)"]
        }
        if token {
            let value = try String(contentsOfFile: data + "/http.token", encoding: .utf8)
            arguments += ["-H", "Authorization: Bearer \(value)"]
        }
        let outcome = try ProcessRunner.run("/usr/bin/curl", arguments, timeoutSeconds: 120)
        let lines = outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func describe(_ id: String) throws -> [String: Any] {
        let outcome = try jobs(["describe", id, "--json"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return (try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]) ?? [:]
    }

    func state(_ id: String) throws -> String {
        ((try describe(id)["overview"] as? [String: Any])?["state"] as? String) ?? ""
    }

    /// Waits (bounded) until `condition` holds.
    func waitFor(_ seconds: Double = 120, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return false
    }

    static let endless = """
        name: endless
        checkpoints: {interval_ms: 200}
        pipeline:
          - {id: gen, source: datagen, config: {count: 0, rate: 2000}}
          - {id: sink, sink: blackhole}
        """

    @Test func submitListDescribeSavepointRescaleCancel() throws {
        let server = try startServer()
        let job = try scratch.write("endless.yaml", Self.endless)
        let submitted = try jobs(["submit", job])
        #expect(submitted.status == 0, "\(submitted.standardError)")
        let id = submitted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 16, "\(submitted.standardOutput)")

        let listed = try jobs(["list"])
        #expect(listed.standardOutput.contains(id) && listed.standardOutput.contains("endless"), "\(listed.standardOutput)")
        #expect(CLI.waitForCheckpoints(2, data: data, job: "endless"), "no checkpoints: \(server.log)")
        #expect(try state(id) == "running")

        let savepoint = try jobs(["savepoint", id])
        #expect(savepoint.status == 0, "\(savepoint.standardError)")
        #expect(savepoint.standardOutput.contains("savepoint \(data)/savepoints/endless/sp-"), "\(savepoint.standardOutput)")

        let described = try describe(id)
        let steps = (described["steps"] as? [[String: Any]]) ?? []
        #expect(steps.map { $0["id"] as? String } == ["gen", "sink"], "\(described)")
        let kinds = ((described["checkpoints"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.contains("checkpoint") && kinds.contains("savepoint"), "\(described)")

        let rescaled = try jobs(["rescale", id, "--parallelism", "2"])
        #expect(rescaled.status == 0, "\(rescaled.standardError)")
        let after = try describe(id)
        #expect((after["overrides"] as? [String]) == ["parallelism=2"], "\(after)")
        #expect(((after["steps"] as? [[String: Any]]) ?? []).allSatisfy { $0["parallelism"] as? Int == 2 }, "\(after)")
        #expect(try waitFor { try state(id) == "running" })

        // A swap goes to the worker's SwapOrchestrator, whose checks refuse
        // a build no step uses; the job runs on.
        let unused = try CPluginBuilder.fixture("pass", into: scratch)
        let swap = try jobs(["swap", id, "--plugin", unused])
        #expect(swap.status == 1, "\(swap.standardOutput)")
        #expect(swap.standardError.contains("which no step of job 'endless' uses"), "\(swap.standardError)")
        #expect(try state(id) == "running")

        let cancelled = try jobs(["cancel", id])
        #expect(cancelled.status == 0, "\(cancelled.standardError)")
        #expect(try waitFor { try describe(id)["supervisorPid"] == nil }, "the job did not stop")
        #expect(try state(id) == "cancelled")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// examples/hot-swap's job submitted with build 1 of its plugin and
    /// swapped to build 2 through the service: the swap answers with its
    /// savepoint, the submission names build 2 in place of build 1 (a
    /// restart or a resume runs it), and the job runs to its end.
    @Test func aSwapReplacesThePluginBuild() throws {
        let build = try ProcessRunner.run("make", ["-C", BuildProducts.packageRoot + "/examples/hot-swap", "OUT=\(scratch.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let server = try startServer()
        let (v1, v2) = (scratch.file("librunning-total-v1.so"), scratch.file("librunning-total-v2.so"))
        let submitted = try jobs(["submit", BuildProducts.packageRoot + "/examples/hot-swap/job.yaml", "--plugin", v1])
        #expect(submitted.status == 0, "\(submitted.standardError)")
        let id = submitted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(CLI.waitForCheckpoints(2, data: data, job: "hot-swap"), "\(server.log)")
        let swap = try jobs(["swap", id, "--plugin", v2])
        #expect(swap.status == 0, "\(swap.standardError)")
        #expect(swap.standardOutput.contains("swapped to \(v2)") && swap.standardOutput.contains("savepoint"),
                "\(swap.standardOutput)")
        #expect(try describe(id)["plugins"] as? [String] == [v2])
        let finished = try waitFor(300) { try state(id) == "finished" }
        #expect(finished, "\((try? describe(id)) ?? [:])")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// A mistake in the job file is refused with the very message the CLI
    /// gives for it (file:line:col), and so is a plugin the server cannot read.
    @Test func badSubmissionsAreRefusedWithTheCLIsMessages() throws {
        let server = try startServer()
        let bad = try scratch.write("bad.yaml", """
            name: bad
            pipeline:
              - {id: gen, source: datagen, config: {count: -3}}
              - {id: sink, sink: blackhole}
            """)
        let validated = try CLI.run(["validate", bad])
        #expect(validated.status == 2)
        let submitted = try jobs(["submit", bad])
        #expect(submitted.status == 2, "\(submitted.standardOutput)")
        let expected = validated.standardError.split(separator: "\n").first { $0.hasPrefix("error: ") }
        #expect(expected?.contains("bad.yaml:3:") == true, "\(validated.standardError)")
        #expect(submitted.standardError.split(separator: "\n").first == expected, "\(submitted.standardError)")

        let syntax = try scratch.write("syntax.yaml", "name: x\npipeline: [\n")
        let syntaxValidated = try CLI.run(["validate", syntax])
        let syntaxSubmitted = try jobs(["submit", syntax])
        #expect(syntaxSubmitted.status == 2)
        #expect(syntaxSubmitted.standardError == syntaxValidated.standardError.split(separator: "\n")
            .filter { $0.hasPrefix("error: ") }.map { $0 + "\n" }.joined(), "\(syntaxSubmitted.standardError)")

        let job = try scratch.write("ok.yaml", Self.endless)
        let missing = try jobs(["submit", job, "--plugin", scratch.file("nowhere.so")])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("nowhere.so: the server cannot read it"), "\(missing.standardError)")
        #expect(try jobs(["list"]).standardOutput.isEmpty)
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// The HTTP API's guards: the token on changes, the body limit, ids
    /// and names in paths that could reach outside their directories.
    @Test func theHTTPAPIGuardsTokensBodiesAndPaths() throws {
        let server = try startServer()
        let (health, _) = try http("GET", "/v1/health")
        #expect(health == 200)
        let submit = #"{"jobText": "name: x", "fileName": "x.yaml", "plugins": [], "overrides": []}"#
        let (noToken, noTokenBody) = try http("POST", "/v1/jobs", body: submit)
        #expect(noToken == 401, "\(noTokenBody)")
        let big = #"{"jobText": ""# + String(repeating: "a", count: 3 << 20) + #"", "fileName": "x", "plugins": [], "overrides": []}"#
        let (tooBig, tooBigBody) = try http("POST", "/v1/jobs", body: big, token: true)
        #expect(tooBig == 413, "\(tooBigBody)")
        for path in ["/v1/jobs/..%2F..%2Fserver.json", "/v1/jobs/0123456789abcdeg", "/v1/topics/..", "/v1/topics/a%2F..%2Fb",
                     "/v1/groups/..", "/v1/groups/a%2Fb"] {
            let (status, body) = try http("GET", path)
            #expect(status == 400, "\(path): \(status) \(body)")
        }
        let (unknown, _) = try http("GET", "/v1/jobs/0123456789abcdef")
        #expect(unknown == 404)
        let (document, text) = try http("GET", "/v1/openapi.json")
        #expect(document == 200 && text.contains("\"openapi\""))
        // Prometheus scrapes the API's address too (docs/METRICS.md): the
        // broker's series, without --metrics-listen.
        let (scrape, metrics) = try http("GET", "/metrics")
        #expect(scrape == 200 && metrics.contains("streamhost_"), "\(scrape) \(metrics.prefix(300))")
        #expect(server.stop() == 0, "\(server.log)")
    }
}

/// The token rule off loopback through a real socket (`AccessRuleTests`
/// checks the decision alone): the HTTP API bound to an address of this
/// machine off loopback, called on that address, so the server sees a
/// peer off loopback.
@Suite(.serialized) struct HTTPAPIOffLoopbackTests {
    /// An IPv4 address of this machine off loopback (not 127.x).
    static func offLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            guard let address = current.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else {
                continue
            }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            let found = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                withUnsafePointer(to: inet.pointee.sin_addr) { inet_ntop(AF_INET, $0, &text, socklen_t(text.count)) }
            }
            if found != nil, !String(cString: text).hasPrefix("127.") { return String(cString: text) }
        }
        return nil
    }

    @Test func readsFromOffLoopbackAnswer401WithoutTheTokenAnd200WithIt() throws {
        guard let address = Self.offLoopbackIPv4() else {
            print("HTTPAPIOffLoopbackTests: skipped: this machine has no IPv4 address off loopback to bind the "
                + "HTTP API to (AccessRuleTests covers the rule)")
            return
        }
        let base = try JobServiceTests()
        let server = try base.startServer(httpListen: "\(address):0")
        #expect(base.httpAddress()?.hasPrefix(address + ":") == true, "\(base.httpAddress() ?? "no address")")
        let (without, body) = try base.http("GET", "/v1/jobs")
        #expect(without == 401, "\(body)")
        #expect(body.contains("a request from off loopback needs the server's token"), "\(body)")
        let (with, listed) = try base.http("GET", "/v1/jobs", token: true)
        #expect(with == 200, "\(listed)")
        // Probes stay open from anywhere.
        let (health, _) = try base.http("GET", "/v1/health")
        #expect(health == 200)
        #expect(server.stop() == 0, "\(server.log)")
    }
}

/// What the job service survives: a worker killed with SIGKILL, a plugin
/// that crashes its worker (the server and its other jobs run on), and a
/// restart of the server itself (running jobs resume from checkpoints).
@Suite(.serialized) struct JobServiceFaultTests {
    let base: JobServiceTests

    init() throws { base = try JobServiceTests() }

    /// The processes whose parent is `pid` (from /proc/PID/stat's 4th field).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

    func supervisorPid(_ id: String) throws -> Int32? {
        (try base.describe(id)["supervisorPid"] as? Int).map(Int32.init)
    }

    func submit(_ name: String, _ text: String, plugins: [String] = []) throws -> String {
        let job = try base.scratch.write("\(name).yaml", text)
        let submitted = try base.jobs(["submit", job] + plugins.flatMap { ["--plugin", $0] })
        #expect(submitted.status == 0, "\(submitted.standardError)")
        return submitted.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SIGKILL to the job's worker mid-run: the supervisor restarts the
    /// attempt from the latest checkpoint, and the transactional log sink's
    /// output holds every record exactly once.
    @Test func aWorkerKilledWithSIGKILLIsRestartedAndTheOutputIsExactlyOnce() throws {
        let server = try base.startServer()
        let count = 20000
        let created = try CLI.run(["topics", "create", "out", "--partitions", "1", "--data-dir", base.data])
        #expect(created.status == 0, "\(created.standardError)")
        let id = try submit("killed", """
            name: killed
            checkpoints: {interval_ms: 100, restart: {strategy: fixed_delay, attempts: 3, delay_ms: 50}}
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count), rate: 4000, seed: 7}}
              - {id: sink, sink: log, config: {topic: out}}
            """)
        #expect(CLI.waitForCheckpoints(2, data: base.data, job: "killed"), "\(server.log)")
        let supervisor = try #require(try supervisorPid(id))
        let workers = Self.children(of: supervisor)
        #expect(workers.count == 1, "workers: \(workers)")
        for worker in workers { kill(worker, SIGKILL) }
        let finished = try base.waitFor(300) { try base.state(id) == "finished" }
        #expect(finished, "\((try? base.describe(id)) ?? [:])")
        let described = try base.describe(id)
        #expect((described["overview"] as? [String: Any])?["restarts"] as? Int == 1, "\(described)")
        let exceptions = (described["exceptions"] as? [[String: Any]]) ?? []
        #expect(exceptions.contains { ($0["message"] as? String)?.contains("killed by signal 9 (SIGKILL)") == true },
                "\(exceptions)")

        let consumed = try CLI.run(["consume", "out", "--from-beginning", "--data-dir", base.data])
        #expect(consumed.status == 0, "\(consumed.standardError)")
        let (seen, duplicates) = Reference.orderIDs(in: consumed.standardOutput)
        #expect(duplicates == 0, "\(duplicates) records committed twice")
        #expect(seen == Set(0..<count), "\(count - seen.count) records lost")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// A plugin that raises SIGSEGV fails its own job (no restarts: it
    /// fails with the signal); the server answers on, and another job keeps
    /// running and checkpointing.
    @Test func aSegfaultingPluginFailsItsJobOnly() throws {
        let server = try base.startServer()
        let crash = try CPluginBuilder.fixture("fail_midstream", into: base.scratch)
        let steady = try submit("steady", JobServiceTests.endless.replacingOccurrences(of: "name: endless", with: "name: steady"))
        #expect(CLI.waitForCheckpoints(1, data: base.data, job: "steady"), "\(server.log)")
        let crashing = try submit("crashing", """
            name: crashing
            checkpoints: {interval_ms: 100, restart: {strategy: none}}
            pipeline:
              - {id: gen, source: datagen, config: {count: 2000}}
              - {id: flaky, operator: fixture-fail, config: {fail_after: 100, crash: true}}
              - {id: sink, sink: blackhole}
            """, plugins: [crash])
        let failed = try base.waitFor { try base.state(crashing) == "failed" }
        #expect(failed, "\((try? base.describe(crashing)) ?? [:])")
        let exceptions = (try base.describe(crashing)["exceptions"] as? [[String: Any]]) ?? []
        #expect(exceptions.contains { ($0["message"] as? String)?.contains("killed by signal 11 (SIGSEGV)") == true },
                "\(exceptions)")
        #expect(server.process.isRunning)
        let (health, _) = try base.http("GET", "/v1/health")
        #expect(health == 200)
        let before = CLI.newestCheckpoint(data: base.data, job: "steady")
        #expect(CLI.waitForCheckpoints(before + 2, data: base.data, job: "steady"), "the other job stopped checkpointing")
        #expect(try base.state(steady) == "running")
        #expect(server.stop() == 0, "\(server.log)")
    }

    /// A server stopped with a job running starts it again from its
    /// latest checkpoint.
    @Test func aServerRestartResumesRunningJobsFromTheirCheckpoints() throws {
        let first = try base.startServer()
        let id = try submit("endless", JobServiceTests.endless)
        #expect(CLI.waitForCheckpoints(2, data: base.data, job: "endless"), "\(first.log)")
        #expect(first.stop() == 0, "\(first.log)")
        let reached = CLI.newestCheckpoint(data: base.data, job: "endless")

        let second = try base.startServer()
        #expect(second.log.contains("resumed 1 job(s): \(id)"), "\(second.log)")
        #expect(try base.state(id) == "running")
        let restored = try base.waitFor {
            ((try base.describe(id)["restoredFrom"] as? [Any]) ?? []).first as? Int ?? 0 >= reached
        }
        #expect(restored, "\((try? base.describe(id)) ?? [:])")
        #expect(second.stop() == 0, "\(second.log)")
    }
}

/// The running server against its own OpenAPI document, with schemathesis
/// (from PyPI; scripts/api-tools.sh installs it into .build/api-venv):
/// every endpoint, with generated valid and invalid requests, answers
/// without a server error, with a status the document lists and a body of
/// the schema it gives.
@Suite struct JobServiceAPITests {
    static func schemathesis() throws -> String {
        let venv = ProcessInfo.processInfo.environment["API_VENV"] ?? BuildProducts.packageRoot + "/.build/api-venv"
        let path = venv + "/bin/schemathesis"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ServeProcess.Failure(description: "no schemathesis at \(path); run scripts/test.sh (scripts/api-tools.sh installs it)")
        }
        return path
    }

    @Test func theServerMatchesItsOpenAPIDocument() throws {
        let tool = try Self.schemathesis()
        let base = try JobServiceTests()
        let server = try base.startServer()
        let job = try base.scratch.write("endless.yaml", JobServiceTests.endless)
        let submitted = try base.jobs(["submit", job])
        #expect(submitted.status == 0, "\(submitted.standardError)")
        let token = try String(contentsOfFile: base.data + "/http.token", encoding: .utf8)
        let outcome = try ProcessRunner.run(
            tool,
            [
                "run", "http://\(base.httpAddress()!)/v1/openapi.json",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples", "20", "--header", "Authorization: Bearer \(token)", "--seed", "1",
            ],
            // Its cache (.schemathesis/) goes to the scratch directory.
            environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"], currentDirectory: base.scratch.path,
            timeoutSeconds: 600)
        #expect(outcome.status == 0, "\(outcome.standardOutput)\n\(outcome.standardError)")
        #expect(server.stop() == 0, "\(server.log)")
    }
}
