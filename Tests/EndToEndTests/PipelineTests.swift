import Foundation
import Testing
import TestKit

@Suite("Pipelines through the CLI")
struct PipelineTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "pipelines") }

    @Test func keyedParallelRunsDeliverExactlyTheSameRecords() throws {
        let reference = try Reference.orders(count: 20000, seed: 42, in: directory)
        let job = try directory.write("keyed.yaml", """
            name: keyed
            parallelism: 2
            pipeline:
              - {id: gen, source: datagen, config: {count: 20000}}
              - {id: by-customer, key_by: customer_id}
              - {id: out, sink: file, config: {path: "\(directory.file("keyed.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let parts = (0..<2).map { CLI.lines(directory.file("keyed.jsonl.part-\($0)")) }
        #expect((parts[0] + parts[1]).sorted() == reference.sorted())
        // A hash exchange sends every customer to exactly one instance.
        func customers(_ lines: [String]) -> Set<Int> {
            Set(lines.compactMap {
                ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["customer_id"] as? Int
            })
        }
        #expect(customers(parts[0]).isDisjoint(with: customers(parts[1])))
        #expect(!parts[0].isEmpty && !parts[1].isEmpty)
    }

    @Test func pluginFirstFormAndStdoutSink() throws {
        let job = try directory.write("stdout.yaml", """
            name: to-stdout
            pipeline:
              - {id: gen, source: datagen, config: {count: 7, seed: 3}}
              - {id: out, sink: stdout}
            """)
        let outcome = try CLI.run(["--plugin", BuildProducts.plugin("stdout"), job])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init)
            == (try Reference.orders(count: 7, seed: 3, in: directory)))
    }

    @Test func pluginsAreFoundThroughSTREAMHOST_PLUGIN_PATH() throws {
        let plugins = try TemporaryDirectory(prefix: "plugin-path")
        _ = try CPluginBuilder.fixture("pass", into: plugins)
        let job = try directory.write("path.yaml", """
            name: via-path
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole}
            """)
        let found = try CLI.run(["run", job], environment: ["STREAMHOST_PLUGIN_PATH": "/nonexistent-dir:" + plugins.path])
        #expect(found.status == 2, "a missing path entry is an error, not silently skipped")
        #expect(found.standardError.contains("cannot read plugin /nonexistent-dir"))
        let ok = try CLI.run(["run", job], environment: ["STREAMHOST_PLUGIN_PATH": plugins.path])
        #expect(ok.status == 0, "\(ok.standardError)")
        #expect(ok.standardError.contains("10 records in, 10 into sinks"))
        let missing = try CLI.run(["run", job])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("unknown operator 'fixture-pass'"))
    }

    @Test func aPluginNamedWithoutASlashIsTheFileInTheCurrentDirectory() throws {
        _ = try CPluginBuilder.fixture("pass", into: directory)
        let job = try directory.write("here.yaml", """
            name: here
            pipeline:
              - {id: gen, source: datagen, config: {count: 3}}
              - {id: pass, operator: fixture-pass}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", "here.yaml", "--plugin", "libpass.so"], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("3 records in, 3 into sinks"))
    }

    @Test func csvInJSONLinesOut() throws {
        let input = try directory.write("in.csv", "id,name,score\n1,\"Smith, Jo\",9.5\n2,Lee,\n")
        let job = try directory.write("csv.yaml", """
            name: csv
            pipeline:
              - {id: in, source: file, config: {path: "\(input)", format: csv}}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let outcome = try CLI.run(["run", job])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl"))
            == [#"{"id":1,"name":"Smith, Jo","score":9.5}"#, #"{"id":2,"name":"Lee","score":null}"#])
    }

    @Test func aPluginErrorMidStreamFailsTheRunWithStepAndMessage() throws {
        let fixture = try CPluginBuilder.fixture("fail_midstream", into: directory)
        let job = try directory.write("fail.yaml", """
            name: failing
            pipeline:
              - {id: gen, source: datagen, config: {count: 100000}}
              - {id: flaky, operator: fixture-fail, config: {fail_after: 5000}}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", fixture])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains(
            "error: step 'flaky' instance 0 failed in process (component 'fixture-fail' from \(fixture)): "
                + "fixture-fail: giving up after 5000 records"))
    }

    @Test func emittingAfterCloseFailsTheRun() throws {
        let fixture = try CPluginBuilder.fixture("emit_after_close", into: directory)
        let job = try directory.write("late.yaml", """
            name: late
            pipeline:
              - {id: gen, source: datagen, config: {count: 10}}
              - {id: late, operator: fixture-late-emit}
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", fixture])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("step 'late' instance 0 (operator 'fixture-late-emit') called emit after close"))
    }

    @Test func jobFileMistakesExitTwoWithFileLineAndField() throws {
        let job = try directory.write("bad.yaml", """
            name: bad
            pipeline:
              - id: gen
                source: datagen
                config:
                  count: lots
              - {id: out, sink: blackhole}
            """)
        let outcome = try CLI.run(["run", job])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.hasPrefix("error: \(job):6:"))
        #expect(outcome.standardError.contains("pipeline[0].config.count: expected integer"))

        let override = try CLI.run(["run", job, "--set", "gen.count=5", "--set", "gen.colour=red"])
        #expect(override.status == 2)
        #expect(override.standardError.contains("unknown field 'colour'"))
    }

    @Test func aPluginThatCannotBeLoadedExitsTwo() throws {
        let text = try directory.write("libnot.so", "hello\n")
        let job = try directory.write("j.yaml", "name: j\npipeline:\n  - {id: g, source: datagen}\n  - {id: o, sink: blackhole}\n")
        let outcome = try CLI.run(["run", job, "--plugin", text])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("error: \(text) is not a shared object (it is a text file)"))
    }

    @Test func inspectListsComponentsSchemasAndHostServices() throws {
        let outcome = try CLI.run(["plugin", "inspect", "--json"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let plugins = try #require(report["plugins"] as? [[String: Any]])
        #expect(Set(plugins.compactMap { $0["name"] as? String }).isSuperset(of: ["datagen", "stdout", "blackhole", "file"]))
        let datagen = try #require(plugins.first { $0["name"] as? String == "datagen" })
        #expect(datagen["abi"] as? String == "1.3")
        let component = try #require((datagen["components"] as? [[String: Any]])?.first)
        #expect(component["kind"] as? String == "source")
        #expect(((component["config_schema"] as? [String: Any])?["properties"] as? [String: Any])?["count"] != nil)
        let services = try #require(report["services"] as? [String: Bool])
        #expect(services.count == 6 && services.values.allSatisfy { $0 }, "\(services)")

        let text = try CLI.run(["plugin", "inspect", BuildProducts.plugin("blackhole")])
        #expect(text.standardOutput.contains("sink blackhole"))
        #expect(text.standardOutput.contains("yes  checkpoints"))
    }

    @Test func sigintStopsTheSourcesAndDrainsIntoCommittedOutput() throws {
        let output = directory.file("stream.jsonl")
        let job = try directory.write("unbounded.yaml", """
            name: unbounded
            pipeline:
              - {id: gen, source: datagen, config: {count: 0, rate: 20000}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        // SIGINT once more than 1000 records reached the sink's temporary
        // file, so that the drain has something to commit.
        let outcome = try CLI.run(
            ["run", job], timeoutSeconds: 120, signalsWhen: ({ CLI.inProgressLines(of: output) > 1000 }, [SIGINT]))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("SIGINT: stopping the sources and draining the pipeline"))
        let lines = CLI.lines(output)
        #expect(lines.count > 1000)
        #expect(outcome.standardError.contains("\(lines.count) records in, \(lines.count) into sinks"))
        // The generator's records, in order, with none missing.
        #expect(lines.first?.hasPrefix("{\"order_id\":0,") == true)
        #expect(lines.last?.hasPrefix("{\"order_id\":\(lines.count - 1),") == true)
    }

    /// A sink far slower than its source: backpressure must hold memory
    /// flat. 10M records of 100 bytes are about 1 GB. In a debug build the
    /// source alone moves about 5M records/s into a blackhole, while the
    /// two fixture-slow instances take about 1.25M/s together, so without
    /// backpressure most of that gigabyte would queue. The bound stated in
    /// the README is 200 MiB of peak RSS for the whole host (measured: 28 to
    /// 32 MiB with /usr/bin/time).
    @Test func aSlowSinkKeepsMemoryBounded() throws {
        let fixture = try CPluginBuilder.fixture("slow_sink", into: directory)
        let job = try directory.write("slow.yaml", """
            name: slow-sink
            pipeline:
              - {id: gen, source: datagen, config: {count: 10000000, value_size: 100}}
              - {id: slow, sink: fixture-slow, parallelism: 2, config: {ns_per_record: 400}}
            """)
        let outcome = try CLI.run(["run", job, "--plugin", fixture], timeoutSeconds: 600)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("10000000 records in, 10000000 into sinks"))
        #expect(outcome.maxResidentKiB > 0)
        #expect(outcome.maxResidentKiB < 200 * 1024, "peak RSS \(outcome.maxResidentKiB) KiB")
    }
}
