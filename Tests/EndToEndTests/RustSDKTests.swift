import Foundation
import Testing
import TestKit

/// The Rust SDK (SDK/rust): its own tests, its example built with cargo and
/// run through the streamhost binary next to the C operator it mirrors, and
/// a plugin that panics.
@Suite("Rust SDK", .serialized)
struct RustSDKTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "rust-sdk") }

    /// `cargo test` of the SDK crate: layout against abi_layout.c and the C
    /// compiler, the safe layer through the C vtable, the JSON helper.
    @Test func theSDKCratesOwnTestsPass() throws {
        let outcome = try RustPluginBuilder.cargo(["test"], crate: "SDK/rust")
        #expect(outcome.status == 0, "\(outcome.standardOutput)\n\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("every_assertion_of_abi_layout_c_holds_for_the_rust_bindings ... ok"))
        #expect(outcome.standardOutput.contains("a_panic_in_process_fails_the_call_with_its_message_and_location ... ok"))
    }

    /// SDK/rust/README.md's start: its Cargo.toml lines and minimal operator,
    /// as written (only the SDK's path filled in), build with cargo, load,
    /// and do what the README says.
    @Test func theReadmesMinimalOperatorBuildsLoadsAndRuns() throws {
        let readme = try String(contentsOfFile: BuildProducts.packageRoot + "/SDK/rust/README.md", encoding: .utf8)
        func block(_ language: String) throws -> String {
            let start = try #require(readme.range(of: "```\(language)\n"))
            let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
            return String(readme[start.upperBound..<end.lowerBound]) + "\n"
        }
        let manifest = try block("toml")
        #expect(manifest.contains(#"streamhost = { path = "/path/to/streamhost/SDK/rust" }"#))
        let crate = directory.file("uppercase")
        try FileManager.default.createDirectory(atPath: crate + "/src", withIntermediateDirectories: true)
        try directory.write("uppercase/Cargo.toml", manifest.replacingOccurrences(
            of: "/path/to/streamhost/SDK/rust", with: BuildProducts.packageRoot + "/SDK/rust"))
        try directory.write("uppercase/src/lib.rs", try block("rust"))
        let library = try RustPluginBuilder.build(crate: crate, name: "uppercase")

        let inspect = try CLI.run(["plugin", "inspect", library])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("operator uppercase-rust: upper-cases ASCII letters in values"),
                "\(inspect.standardOutput)")
        let input = try directory.write("in.jsonl", "{\"name\":\"ada\"}\n")
        let job = try directory.write("job.yaml", """
            name: upper
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: up, operator: uppercase-rust}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let run = try CLI.run(["run", job, "--plugin", library])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == [#"{"NAME":"ADA"}"#])
    }

    /// examples/rust-operator as its README runs it: the records it keeps are
    /// the C operator's, byte for byte, and its keyed state counted the
    /// customers with a big order.
    @Test func theRustOperatorKeepsExactlyWhatTheCOperatorKeeps() throws {
        let rustLibrary = try RustPluginBuilder.build(crate: "examples/rust-operator", name: "big-orders-rust")
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/c-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")

        let c = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/c-operator/job.yaml", "--plugin", directory.file("libbig-orders.so")],
            in: directory.path)
        #expect(c.status == 0, "\(c.standardError)")
        let rust = try CLI.run(
            ["run", BuildProducts.packageRoot + "/examples/rust-operator/job.yaml", "--plugin", rustLibrary],
            in: directory.path)
        #expect(rust.status == 0, "\(rust.standardError)")

        let cOutput = CLI.lines(directory.file("big-orders.jsonl"))
        let rustOutput = CLI.lines(directory.file("big-orders-rust.jsonl"))
        let expected = try Reference.orders(count: 10000, seed: 7, in: directory)
            .filter { (Reference.amount($0) ?? -1) >= 500 }
        #expect(expected.count > 4000)
        #expect(cOutput == expected)
        #expect(rustOutput == cOutput)

        // The keyed state: one "keys" increment per customer with a big order.
        let customers = Set(expected.compactMap { Reference.numberText("customer_id", in: $0) })
        #expect(customers.count > 1)
        #expect(rust.standardError.contains(
            "step 'big' (operator big-orders-rust): 10000 in, \(expected.count) out, 0 rejected; "
                + "counters: dropped \(10000 - expected.count), keys \(customers.count)"),
            "\(rust.standardError)")
    }

    /// Records it cannot judge go to the dead letters with the C operator's
    /// reasons.
    @Test func theRustOperatorRejectsWhatTheCOperatorRejectsWithTheSameReasons() throws {
        let rustLibrary = try RustPluginBuilder.build(crate: "examples/rust-operator", name: "big-orders-rust")
        let build = try ProcessRunner.run(
            "make", ["-C", BuildProducts.packageRoot + "/examples/c-operator", "OUT=\(directory.path)"])
        #expect(build.status == 0, "\(build.standardError)")
        let input = try directory.write("in.jsonl", """
            {"order_id":1,"amount":900}
            {"order_id":2}
            {"order_id":3,"amount":"lots"}
            [1,2]
            {"order_id":5,"amount":1000.5}
            {"order_id":6,"amount":20}
            {"order_id":7,"amount":1e999}

            """)
        func run(_ component: String, _ library: String, _ name: String) throws -> (out: [String], rejected: [[String]]) {
            let job = try directory.write("\(name).yaml", """
                name: \(name)
                dead_letter: \(directory.file("\(name)-rejected.jsonl"))
                pipeline:
                  - {id: in, source: file, config: {path: "\(input)"}}
                  - {id: big, operator: \(component), config: {min_amount: 500}}
                  - {id: out, sink: file, config: {path: "\(directory.file("\(name)-out.jsonl"))"}}
                """)
            let outcome = try CLI.run(["run", job, "--plugin", library])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let rejected = CLI.lines(directory.file("\(name)-rejected.jsonl")).compactMap { line -> [String]? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    return nil
                }
                return [object["step"] as? String ?? "", object["value"] as? String ?? "", object["reason"] as? String ?? ""]
            }
            return (CLI.lines(directory.file("\(name)-out.jsonl")), rejected)
        }
        let c = try run("big-orders", directory.file("libbig-orders.so"), "dlq-c")
        let rust = try run("big-orders-rust", rustLibrary, "dlq-rust")
        #expect(c.out == [#"{"order_id":1,"amount":900}"#, #"{"order_id":5,"amount":1000.5}"#])
        #expect(rust.out == c.out)
        #expect(c.rejected.count == 4)
        #expect(rust.rejected == c.rejected)
    }

    /// A Rust plugin that panics inside process: the job fails with the
    /// panic's message and where it happened, and the host is not taken
    /// down with it (it reports and exits as for any failed job).
    /// The plugin test harness from the command line, as a Rust author's
    /// tests use it: one instance, keyed records, its keyed state
    /// snapshotted and restored in between, without a job.
    @Test func theHarnessTestsTheRustOperatorWithoutAJob() throws {
        let library = try RustPluginBuilder.build(crate: "examples/rust-operator", name: "big-orders-rust")
        let input = try directory.write("orders.jsonl", """
            {"customer":"a","amount":600}
            {"customer":"b","amount":10}
            {"customer":"a","amount":700}
            {"customer":"c","amount":900}

            """)
        let outcome = try CLI.run([
            "plugin", "test", library, "--component", "big-orders-rust", "--input", input, "--key", "customer",
            "--config", #"{"min_amount":500}"#, "--snapshot-restore", "--show-state",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix(#"{"emitted":"#) }.count == 3, "\(outcome.standardOutput)")
        // The counters are the restored instance's (it saw no records).
        #expect(lines.contains(#"{"counter":"dropped","value":0}"#), "\(outcome.standardOutput)")
        // The keyed state survived the snapshot and restore: kept counts
        // (8 bytes little-endian) 2 for customer a, 1 for c, none for b.
        let state = lines.filter { $0.hasPrefix(#"{"state":"#) }.sorted()
        #expect(state == [
            #"{"state":{"name":"kept","key":"a","value":"\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}}"#,
            #"{"state":{"name":"kept","key":"c","value":"\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}}"#,
        ], "\(outcome.standardOutput)")

        // Without the restore, the instance's own counters.
        let counted = try CLI.run([
            "plugin", "test", library, "--component", "big-orders-rust", "--input", input, "--key", "customer",
            "--config", #"{"min_amount":500}"#,
        ])
        #expect(counted.status == 0, "\(counted.standardError)")
        let counters = counted.standardOutput.split(separator: "\n").map(String.init).filter { $0.hasPrefix(#"{"counter":"#) }
        #expect(counters.sorted() == [#"{"counter":"dropped","value":1}"#, #"{"counter":"keys","value":2}"#], "\(counted.standardOutput)")
    }

    @Test func aPanicInProcessFailsTheJobWithThePanicMessageAndTheHostLives() throws {
        let library = try RustPluginBuilder.build(crate: "SDK/rust/tests/fixtures/panicking-operator", name: "panicking-operator")
        let input = try directory.write("in.jsonl", """
            {"n":1}
            {"n":2,"note":"panic here"}
            {"n":3}

            """)
        let job = try directory.write("panic.yaml", """
            name: panicking
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: boom, operator: panics-in-process}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", library])
        // 1 is a failed job; a host killed by the unwind would end with a
        // signal (128 + SIGABRT = 134).
        #expect(outcome.status == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains(
            "error: step 'boom' instance 0 failed in process (component 'panics-in-process' from \(library)): "
                + "panicked in process: index out of bounds: the len is 0 but the index is 27 at src/lib.rs:"),
            "\(outcome.standardError)")
        #expect(!outcome.standardError.contains("panic in a function that cannot unwind"))
    }
}
