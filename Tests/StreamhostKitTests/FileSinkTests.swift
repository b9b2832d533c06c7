import Foundation
import StreamhostKit
import Testing

/// SINK "file", driven through its vtable.
@Suite struct FileSinkTests {
    func opened(_ config: [String: ConfigValue], instance: UInt32 = 0, parallelism: UInt32 = 1) -> Harness {
        let harness = Harness(fileSink, config: config)
        #expect(harness.create() == SH_OK, "\(harness.lastError)")
        #expect(harness.open(instance: instance, parallelism: parallelism) == SH_OK, "\(harness.lastError)")
        return harness
    }

    func values(_ texts: [String?]) -> [SeenRecord] {
        texts.enumerated().map { SeenRecord(timestamp: Int64($0.offset), key: nil, value: $0.element) }
    }

    /// The in-progress files of the directory.
    func temporaryFiles(_ scratch: Scratch) -> [String] {
        scratch.entries().filter { $0.contains(".inprogress-") }
    }

    @Test func jsonlAppearsWholeOnClose() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.jsonl"))])
        #expect(sink.process(values(["{\"a\":1}", "{\"b\":2}"])) == SH_OK)
        #expect(sink.process(values(["plain"])) == SH_OK)
        // Nothing at the final path before close, only the temporary file.
        #expect(!scratch.exists("out.jsonl"))
        #expect(temporaryFiles(scratch) == [".out.jsonl.inprogress-\(getpid())"])
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.jsonl") == "{\"a\":1}\n{\"b\":2}\nplain\n")
        #expect(temporaryFiles(scratch).isEmpty)
        sink.destroy()
        // Destroy after close leaves the file alone.
        #expect(scratch.read("out.jsonl") == "{\"a\":1}\n{\"b\":2}\nplain\n")
    }

    @Test func destroyWithoutCloseRemovesTheTemporaryFile() {
        let scratch = Scratch()
        scratch.write("out.jsonl", "old contents\n")
        let sink = opened(["path": .string(scratch.file("out.jsonl"))])
        #expect(sink.process(values(["new"])) == SH_OK)
        #expect(temporaryFiles(scratch).count == 1)
        sink.destroy()
        #expect(temporaryFiles(scratch).isEmpty)
        // The previous file is untouched.
        #expect(scratch.read("out.jsonl") == "old contents\n")
    }

    @Test func closeReplacesAnExistingFile() {
        let scratch = Scratch()
        scratch.write("out.jsonl", "old contents\n")
        let sink = opened(["path": .string(scratch.file("out.jsonl"))])
        #expect(sink.process(values(["new"])) == SH_OK)
        #expect(scratch.read("out.jsonl") == "old contents\n")
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.jsonl") == "new\n")
    }

    @Test func largeOutputIsComplete() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("big.jsonl"))])
        let lines = (0..<40_000).map { "{\"i\":\($0),\"pad\":\"\(String(repeating: "w", count: $0 % 90))\"}" }
        for chunk in stride(from: 0, to: lines.count, by: 1000) {
            #expect(sink.process(values(Array(lines[chunk..<chunk + 1000]))) == SH_OK)
        }
        #expect(sink.close() == SH_OK)
        let written = scratch.read("big.jsonl") ?? ""
        #expect(written.hasSuffix("\n"))
        #expect(firstDifference(written.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), lines) == nil)
    }

    @Test func jsonlRejectsNullsAndLineBreaks() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.jsonl"))])
        #expect(sink.process(values(["ok", nil, "a\nb", "{ }"])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.jsonl") == "ok\n{ }\n")
        #expect(sink.fake.rejected.map(\.reason) == [
            "jsonl sink: the value is null (a tombstone)", "jsonl sink: the value contains a line break",
        ])
        #expect(sink.fake.rejected.map(\.record.timestamp) == [1, 2])
    }

    @Test func parallelInstancesWriteParts() {
        let scratch = Scratch()
        let path = scratch.file("out.jsonl")
        let sinks = (0..<3).map { opened(["path": .string(path)], instance: UInt32($0), parallelism: 3) }
        for (index, sink) in sinks.enumerated() {
            #expect(sink.process(values(["part \(index)"])) == SH_OK)
            #expect(sink.close() == SH_OK)
        }
        #expect(scratch.entries() == ["out.jsonl.part-0", "out.jsonl.part-1", "out.jsonl.part-2"])
        #expect(scratch.read("out.jsonl.part-2") == "part 2\n")
    }

    /// A killed run's temporary file (its process is gone) is removed by
    /// the next run; one of a live process is left alone.
    @Test func aKilledRunsTemporaryFileIsRemoved() {
        let scratch = Scratch()
        let dead = scratch.file(".out.jsonl.inprogress-2147483646")
        let live = scratch.file(".out.jsonl.inprogress-1")
        for path in [dead, live] { FileManager.default.createFile(atPath: path, contents: Data("half\n".utf8)) }
        let sink = opened(["path": .string(scratch.file("out.jsonl"))])
        #expect(sink.process(values(["{}"])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.entries() == [".out.jsonl.inprogress-1", "out.jsonl"])
    }

    /// Issue 11 item 4: part files of an older run at a higher parallelism
    /// were left beside the new output; a reader of out.jsonl.part-* saw
    /// both runs.
    @Test func aRunAtALowerParallelismRemovesTheOlderRunsParts() {
        let scratch = Scratch()
        let path = scratch.file("out.jsonl")
        func run(_ parallelism: Int) {
            for index in 0 ..< parallelism {
                let sink = opened(["path": .string(path)], instance: UInt32(index), parallelism: UInt32(parallelism))
                #expect(sink.process(values(["p\(parallelism) i\(index)"])) == SH_OK)
                #expect(sink.close() == SH_OK)
            }
        }
        run(3)
        run(2)
        #expect(scratch.entries() == ["out.jsonl.part-0", "out.jsonl.part-1"])
        #expect(scratch.read("out.jsonl.part-1") == "p2 i1\n")
        run(1)
        #expect(scratch.entries() == ["out.jsonl"])
    }

    @Test func csvWithConfiguredColumns() {
        let scratch = Scratch()
        let sink = opened([
            "path": .string(scratch.file("out.csv")), "format": .string("csv"),
            "columns": .strings(["name", "n", "ok", "none", "nested", "missing", "empty"]),
        ])
        let records = values([
            #"{"name":"Smith, J","n":1.5e3,"ok":true,"none":null,"nested":{"a": [1, "x"]},"empty":""}"#,
            #"{"name":"say \"hi\"\nbye","n":-2,"ok":false,"nested":[],"extra":1}"#,
            #"{"name":"\u00e9t\u00e9"}"#,
        ])
        #expect(sink.process(records) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.csv") == """
            name,n,ok,none,nested,missing,empty
            "Smith, J",1.5e3,true,,"{""a"":[1,""x""]}",,""
            "say ""hi""
            bye",-2,false,,[],,
            été,,,,,,

            """)
        #expect(sink.fake.rejected.isEmpty)
    }

    @Test func csvColumnsDefaultToTheFirstRecordsKeys() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.csv")), "format": .string("csv")])
        #expect(sink.process(values([#"{"b":1,"a":"x","b":2}"#, #"{"a":"y","c":3}"#])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.csv") == "b,a\n2,x\n,y\n")
    }

    @Test func csvWithoutHeader() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.csv")), "format": .string("csv"), "header": .bool(false)])
        #expect(sink.process(values([#"{"a":1}"#])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.csv") == "1\n")
    }

    @Test func csvRejectsWhatIsNotAJSONObjectAndGoesOn() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.csv")), "format": .string("csv")])
        #expect(sink.process(values(["[1,2]", "not json", nil, #"{"a":1}"#, "42", #"{"a":2}"#])) == SH_OK)
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.csv") == "a\n1\n2\n")
        #expect(sink.fake.rejected.count == 4)
        #expect(sink.fake.rejected.allSatisfy { $0.reason == "csv sink: value is not a JSON object" })
        #expect(sink.fake.rejected.map(\.record.valueText) == ["[1,2]", "not json", nil, "42"])
    }

    @Test func csvWithNoRecordsAndNoColumnsIsEmpty() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("out.csv")), "format": .string("csv")])
        #expect(sink.close() == SH_OK)
        #expect(scratch.read("out.csv") == "")
    }

    @Test func csvRoundTripsThroughTheSource() {
        let scratch = Scratch()
        let sink = opened(["path": .string(scratch.file("trip.csv")), "format": .string("csv")])
        let objects = [
            #"{"s":"a,b","n":12,"f":-0.5,"t":true,"z":null,"e":"","q":"x\"y\nz"}"#,
            #"{"s":"plain","n":0,"f":1e3,"t":false,"z":null,"e":"","q":"-"}"#,
        ]
        #expect(sink.process(values(objects)) == SH_OK)
        #expect(sink.close() == SH_OK)
        let source = Harness(fileSource, config: ["path": .string(scratch.file("trip.csv")), "format": .string("csv")])
        #expect(source.runSource() == SH_END, "\(source.lastError)")
        #expect(source.fake.emittedValues == objects)
    }

    @Test func unwritableDirectoryIsAnErrorNamingTheFile() {
        let scratch = Scratch()
        let path = scratch.file("no/such/dir/out.jsonl")
        let sink = Harness(fileSink, config: ["path": .string(path)])
        #expect(sink.create() == SH_OK)
        #expect(sink.open() == SH_ERROR)
        #expect(sink.lastError == "file sink: cannot write '\(path)' (temporary file '\(scratch.path)/no/such/dir/.out.jsonl.inprogress-\(getpid())'): No such file or directory")
    }

    @Test func badConfigIsRefusedAtCreate() {
        let format = Harness(fileSink, config: ["path": .string("/x"), "format": .string("parquet")])
        #expect(format.create() == SH_ERROR)
        #expect(format.lastError == "file sink: format 'parquet' is not supported: use \"jsonl\" or \"csv\"")
        let columns = Harness(fileSink, config: ["path": .string("/x"), "columns": .string("a,b")])
        #expect(columns.create() == SH_ERROR)
        #expect(columns.lastError == "config key 'columns' must be an array of strings")
        let directory = Harness(fileSink, config: ["path": .string("/tmp/")])
        #expect(directory.create() == SH_ERROR)
        #expect(directory.lastError == "file sink: path '/tmp/' must name a file")
    }
}
