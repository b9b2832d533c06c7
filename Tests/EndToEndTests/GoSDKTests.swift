import Foundation
import Testing
import TestKit

/// The Go SDK (SDK/go): its own unit tests, and examples/go-operator built
/// with `go build -buildmode=c-shared` as its README says and loaded with
/// dlopen by the host.
@Suite("Go SDK", .serialized)
struct GoSDKTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "go-sdk") }

    /// Go's environment for an offline build: the SDK comes from the
    /// checkout (go.mod's replace), nothing from a module proxy.
    static let goEnvironment = ["GOFLAGS": "-mod=mod", "GOPROXY": "off"]

    /// examples/go-operator's library, built once per suite instance.
    func buildExample() throws -> String {
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/go-operator", "OUT=\(directory.path)"],
            environment: Self.goEnvironment)
        try #require(build.status == 0, "building examples/go-operator (needs golang-go; scripts/bootstrap.sh installs it): \(build.standardError)")
        return directory.file("libgo-operators.so")
    }

    @Test func theSDKsOwnGoTestsPass() throws {
        let outcome = try ProcessRunner.run(
            "go", ["test", "./..."], environment: Self.goEnvironment, currentDirectory: BuildProducts.packageRoot + "/SDK/go")
        #expect(outcome.status == 0, "\(outcome.standardOutput)\(outcome.standardError)")
    }

    @Test func theGoOperatorKeepsWhatTheCOperatorKeeps() throws {
        let library = try buildExample()
        let job = try directory.write("big.yaml", """
            name: big-orders-go
            pipeline:
              - {id: orders, source: datagen, config: {count: 10000, seed: 7}}
              - {id: big, operator: big-orders-go, config: {min_amount: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("big.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let expected = try Reference.orders(count: 10000, seed: 7, in: directory).filter { (Reference.amount($0) ?? -1) >= 500 }
        #expect(expected.count > 4000)
        #expect(CLI.lines(directory.file("big.jsonl")) == expected)
        #expect(outcome.standardError.contains(
            "step 'big' (operator big-orders-go): 10000 in, \(expected.count) out, 0 rejected; counters: dropped \(10000 - expected.count)"),
            "\(outcome.standardError)")
    }

    @Test func recordsItCannotJudgeGoToTheDeadLettersWithTheCOperatorsReasons() throws {
        let library = try buildExample()
        let input = try directory.write("in.jsonl", """
            {"order_id":1,"amount":900}
            {"order_id":2}
            {"order_id":3,"amount":"lots"}
            [1,2]
            {"order_id":5,"amount":1000.5}

            """)
        let job = try directory.write("dlq.yaml", """
            name: dlq-go
            dead_letter: \(directory.file("rejected.jsonl"))
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: big, operator: big-orders-go, config: {min_amount: 500}}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == [#"{"order_id":1,"amount":900}"#, #"{"order_id":5,"amount":1000.5}"#])
        let reasons = CLI.lines(directory.file("rejected.jsonl")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["reason"] as? String
        }
        #expect(reasons.count == 3)
        #expect(reasons.contains { $0.contains("big-orders: field 'amount' is missing") })
        #expect(reasons.contains { $0.contains("big-orders: field 'amount' is not a number") })
        #expect(reasons.contains { $0.contains("big-orders: the value is not a JSON object") })
    }

    /// order-count-go keeps a count per key in the host's keyed state; at
    /// parallelism 2 each instance holds its key groups' counts.
    @Test func keyedStateCountsEveryCustomersOrders() throws {
        let library = try buildExample()
        let job = try directory.write("count.yaml", """
            name: count-go
            pipeline:
              - {id: orders, source: datagen, config: {count: 10000, seed: 7}}
              - {id: by-customer, key_by: customer_id}
              - {id: count, operator: order-count-go, parallelism: 2}
              - {id: out, sink: file, config: {path: "\(directory.file("counts.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        var expected: [String: Int] = [:]
        for order in try Reference.orders(count: 10000, seed: 7, in: directory) {
            expected[Reference.numberText("customer_id", in: order) ?? "?", default: 0] += 1
        }
        var latest: [String: Int] = [:]
        let lines = CLI.lines(directory.file("counts.jsonl"))
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let key = try #require(object["key"] as? String)
            let orders = try #require(object["orders"] as? Int)
            // Per key the counts arrive in order, one more each time.
            #expect(orders == (latest[key] ?? 0) + 1, "\(line)")
            latest[key] = orders
        }
        #expect(lines.count == 10000)
        #expect(latest == expected)
    }

    /// The plugin test harness from the command line, as a Go author's
    /// tests use it: one instance, fed records, with its keyed state
    /// snapshotted and restored in between.
    @Test func theHarnessTestsTheGoOperatorsWithoutAJob() throws {
        let library = try buildExample()
        let input = try directory.write("orders.jsonl", """
            {"customer":"a","amount":600}
            {"customer":"b","amount":10}
            {"customer":"a","amount":"lots"}
            {"customer":"a","amount":700}

            """)
        let filter = try CLI.run([
            "plugin", "test", library, "--component", "big-orders-go", "--input", input, "--config", #"{"min_amount":500}"#,
        ])
        #expect(filter.status == 0, "\(filter.standardError)")
        #expect(filter.standardOutput.split(separator: "\n").map(String.init) == [
            #"{"emitted":{"timestamp":0,"key":null,"value":{"customer":"a","amount":600}}}"#,
            #"{"emitted":{"timestamp":0,"key":null,"value":{"customer":"a","amount":700}}}"#,
            #"{"rejected":{"timestamp":0,"key":null,"value":{"customer":"a","amount":"lots"},"reason":"big-orders: field 'amount' is not a number"}}"#,
            #"{"counter":"dropped","value":1}"#,
        ], "\(filter.standardOutput)")

        let count = try CLI.run([
            "plugin", "test", library, "--component", "order-count-go", "--input", input, "--key", "customer",
            "--snapshot-restore", "--show-state",
        ])
        #expect(count.status == 0, "\(count.standardError)")
        let lines = count.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(#""orders":3"#) }.count == 1, "\(count.standardOutput)")
        #expect(lines.contains { $0.hasPrefix(#"{"state":{"name":"orders","key":"a""#) }, "\(count.standardOutput)")
    }

    /// SDK/go/README.md's start ("In ten minutes"): its go.mod and main.go
    /// as written (only the SDK's path filled in), built with its command,
    /// load and run: the operator keeps the records that have a key.
    @Test func theReadmesTenMinutePluginBuildsLoadsAndRuns() throws {
        let readme = try String(contentsOfFile: BuildProducts.packageRoot + "/SDK/go/README.md", encoding: .utf8)
        let modStart = try #require(readme.range(of: "module example.com/myplugin"))
        let modEnd = try #require(readme.range(of: "\n```", range: modStart.lowerBound..<readme.endIndex))
        let goStart = try #require(readme.range(of: "```go\n"))
        let goEnd = try #require(readme.range(of: "\n```", range: goStart.upperBound..<readme.endIndex))
        let module = directory.file("myplugin")
        try FileManager.default.createDirectory(atPath: module, withIntermediateDirectories: true)
        let goMod = String(readme[modStart.lowerBound..<modEnd.lowerBound])
        #expect(goMod.contains("replace streamhost.dev/sdk => /path/to/streamhost/SDK/go"), "\(goMod)")
        try directory.write("myplugin/go.mod", goMod.replacingOccurrences(
            of: "/path/to/streamhost/SDK/go", with: BuildProducts.packageRoot + "/SDK/go") + "\n")
        try directory.write("myplugin/main.go", String(readme[goStart.upperBound..<goEnd.lowerBound]) + "\n")
        #expect(readme.contains("go build -buildmode=c-shared -o libmyplugin.so ."))
        let build = try ProcessRunner.run(
            "go", ["build", "-buildmode=c-shared", "-o", "libmyplugin.so", "."], environment: Self.goEnvironment,
            currentDirectory: module)
        try #require(build.status == 0, "\(build.standardError)")
        let library = module + "/libmyplugin.so"

        let inspect = try CLI.run(["plugin", "inspect", library])
        #expect(inspect.standardOutput.contains("operator upper-keys: Drops records without a key"), "\(inspect.standardOutput)")
        let input = try directory.write("readme-in.jsonl", "{\"name\":\"ada\"}\n")
        let job = try directory.write("readme-job.yaml", """
            name: readme-go
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: by-name, key_by: name}
              - {id: keep, operator: upper-keys}
              - {id: out, sink: file, config: {path: "\(directory.file("readme-out.jsonl"))"}}
            """)
        let run = try CLI.run(["run", job, "--plugin", library])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(CLI.lines(directory.file("readme-out.jsonl")) == [#"{"name":"ada"}"#])
    }

    /// examples/go-operator/job.yaml, run as its README says.
    @Test func theExampleJobRuns() throws {
        let library = try buildExample()
        let outcome = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/go-operator/job.yaml", "--plugin", library], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let big = try Reference.orders(count: 10000, seed: 7, in: directory).filter { (Reference.amount($0) ?? -1) >= 500 }
        let counts = CLI.lines(directory.file("go-order-counts.jsonl"))
        #expect(counts.count == big.count)
        #expect(outcome.standardError.contains("step 'count' (operator order-count-go): \(big.count) in, \(big.count) out"))
    }

    /// A panic inside Process fails the job with the panic's message; the
    /// host does not crash.
    @Test func aPanicFailsTheJobWithItsMessageAndTheHostLives() throws {
        let library = try buildExample()
        let job = try directory.write("panic.yaml", """
            name: panic-go
            pipeline:
              - {id: orders, source: datagen, config: {count: 10000, seed: 7}}
              - {id: by-customer, key_by: customer_id}
              - {id: count, operator: order-count-go, config: {panic_at: 777}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        #expect(outcome.status == 1, "a signal or another status: \(outcome.status)\n\(outcome.standardError)")
        #expect(outcome.standardError.contains(
            "step 'count' instance 0 failed in process (component 'order-count-go' from \(library)): Process of order-count-go panicked: order-count-go: panic_at 777 reached"),
            "\(outcome.standardError)")
        // The stack of the panic is in the message log, for the author.
        #expect(outcome.standardError.contains("main.(*OrderCount).Process"))
    }
}
