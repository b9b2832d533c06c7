import Foundation
import StreamhostKit
import Testing
import TestKit

/// SOURCE "file", driven through its vtable.
@Suite struct FileSourceTests {
    /// Runs a source instance to its end; returns the harness.
    func run(
        _ config: [String: ConfigValue], instance: UInt32 = 0, parallelism: UInt32 = 1, max: UInt32 = 1024
    ) -> (status: sh_status, harness: Harness) {
        let harness = Harness(fileSource, config: config)
        let status = harness.runSource(instance: instance, parallelism: parallelism, max: max)
        return (status, harness)
    }

    /// The values read from a file by `parallelism` instances, in instance order.
    func readAll(_ path: String, parallelism: UInt32, extra: [String: ConfigValue] = [:]) -> [[String]] {
        (0..<parallelism).map { index in
            let (status, harness) = run(["path": .string(path)].merging(extra) { $1 }, instance: index, parallelism: parallelism)
            #expect(status == SH_END, "instance \(index)/\(parallelism): \(harness.lastError)")
            return harness.fake.emittedValues
        }
    }

    // MARK: jsonl

    @Test func jsonlEmitsEachNonBlankLineAsIs() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", "{\"a\":1}\n\n   \n{\"b\": [1, 2]}\n\t\n{\"c\":3}")
        let (status, harness) = run(["path": .string(path)])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == ["{\"a\":1}", "{\"b\": [1, 2]}", "{\"c\":3}"])
        #expect(harness.fake.emitted.allSatisfy { $0.key == nil && $0.timestamp == harness.fake.processingTime })
        #expect(harness.fake.rejected.isEmpty)
    }

    /// Issue 11 item 12: without timestamp_field a non-JSON line used to
    /// pass into the pipeline; now every jsonl line is checked and a bad one
    /// is rejected naming the file and line.
    @Test func jsonlRejectsALineThatIsNotJSONNamingFileAndLine() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", "{\"a\":1}\n\nnot json at all\n{\"b\":2} trailing\n{\"c\":3}\n")
        let (status, harness) = run(["path": .string(path)])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == ["{\"a\":1}", "{\"c\":3}"])
        #expect(harness.fake.rejected.map(\.reason) == [
            "file source: \(path):3: the value is not valid JSON (invalid JSON at byte 1: expected 'null')",
            "file source: \(path):4: the value is not valid JSON (invalid JSON at byte 8: unexpected text after the value)",
        ])
        #expect(harness.fake.rejected.map(\.record.valueText) == ["not json at all", "{\"b\":2} trailing"])
    }

    /// Line numbers count from the file's start also in an instance whose
    /// byte range starts mid-file.
    @Test func lineNumbersInLaterInstancesCountFromTheFilesStart() {
        var lines = (0..<40).map { "{\"i\":\($0)}" }
        lines[35] = "oops"
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let reasons = (0..<UInt32(3)).flatMap { index in
            run(["path": .string(path)], instance: index, parallelism: 3).harness.fake.rejected.map(\.reason)
        }
        #expect(reasons.count == 1)
        #expect(reasons.first?.hasPrefix("file source: \(path):36: ") == true, "\(reasons)")
    }

    @Test func jsonlDropsCRBeforeLFAndAByteOrderMark() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\r\n\r\n{\"b\":2}\r\n".utf8))
        let (status, harness) = run(["path": .string(path)])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func pollEmitsAtMostMax() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", (0..<10).map { "{\"i\":\($0)}\n" }.joined())
        let harness = Harness(fileSource, config: ["path": .string(path)])
        #expect(harness.create() == SH_OK)
        #expect(harness.open() == SH_OK)
        var counts: [Int] = []
        var statuses: [sh_status] = []
        for _ in 0..<10 {
            let before = harness.fake.emitted.count
            let status = harness.poll(max: 3)
            statuses.append(status)
            counts.append(harness.fake.emitted.count - before)
            if status == SH_END { break }
        }
        #expect(counts == [3, 3, 3, 1])
        #expect(statuses == [SH_OK, SH_OK, SH_OK, SH_END].map { sh_status($0) })
        #expect(harness.poll(max: 3) == SH_END)
        #expect(harness.close() == SH_OK)
    }

    enum Layout: String, CaseIterable, Sendable {
        case trailingNewline, noTrailingNewline, crlf, crlfNoTrailingNewline, blankLines
    }

    @Test(arguments: Layout.allCases)
    func parallelInstancesReadEveryLineExactlyOnce(_ layout: Layout) {
        var generator = SeededRandom(seed: 99)
        let lines = (0..<300).map { index in
            "{\"i\":\(index),\"pad\":\"" + String(repeating: "x", count: Int(generator.next() % 40)) + "\"}"
        }
        let separator = layout == .crlf || layout == .crlfNoTrailingNewline ? "\r\n" : "\n"
        var text = lines.joined(separator: layout == .blankLines ? separator + separator : separator)
        if layout != .noTrailingNewline && layout != .crlfNoTrailingNewline { text += separator }
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", text)
        for parallelism: UInt32 in [1, 2, 3, 4, 7] {
            let parts = readAll(path, parallelism: parallelism)
            #expect(firstDifference(Array(parts.joined()), lines) == nil, "parallelism \(parallelism)")
            if parallelism == 3 {
                #expect(parts.allSatisfy { !$0.isEmpty })
            }
        }
    }

    @Test func moreInstancesThanLines() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", "{\"a\":1}\n{\"b\":2}\n")
        let parts = readAll(path, parallelism: 9)
        #expect(parts.joined().elementsEqual(["{\"a\":1}", "{\"b\":2}"]))
        #expect(parts.filter { !$0.isEmpty }.count == 2)
        let empty = scratch.write("empty.jsonl", "")
        #expect(readAll(empty, parallelism: 3).joined().isEmpty)
    }

    @Test func linesAcrossReadBuffers() {
        // ~2.6 MiB, so lines straddle the 1 MiB reads; plus one line longer
        // than a whole read.
        var lines = (0..<25_000).map { "{\"i\":\($0),\"pad\":\"\(String(repeating: "y", count: $0 % 150))\"}" }
        lines.insert("{\"long\":\"" + String(repeating: "z", count: 3 << 20) + "\"}", at: 12_345)
        let scratch = Scratch()
        let path = scratch.write("big.jsonl", lines.joined(separator: "\n") + "\n")
        for parallelism: UInt32 in [1, 3] {
            let parts = readAll(path, parallelism: parallelism)
            #expect(firstDifference(Array(parts.joined()), lines) == nil, "parallelism \(parallelism)")
        }
    }

    @Test func timestampAndKeyFields() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", """
            {"ts":1700000000123,"user":"u1"}
            {"ts":12.9,"user":5}
            {"ts":13,"user":{"id":1, "n":[1, 2]}}
            {"ts":14}
            {"ts":15,"user":null}
            {"user":"x"}
            {"ts":"soon","user":"y"}
            {"ts":1,
            """)
        let (status, harness) = run(["path": .string(path), "timestamp_field": .string("ts"), "key_field": .string("user")])
        #expect(status == SH_END)
        #expect(harness.fake.emitted.map(\.timestamp) == [1_700_000_000_123, 12, 13, 14, 15])
        #expect(harness.fake.emitted.map(\.keyText) == ["u1", "5", "{\"id\":1,\"n\":[1,2]}", nil, nil])
        #expect(harness.fake.rejected.map(\.reason) == [
            "file source: \(path):6: timestamp field 'ts' is missing",
            "file source: \(path):7: timestamp field 'ts' is not a time: use \(JSONView.timeRule)",
            "file source: \(path):8: the value is not valid JSON (invalid JSON at byte 8: expected a member name)",
        ])
        #expect(harness.fake.rejected.map(\.record.valueText) == ["{\"user\":\"x\"}", "{\"ts\":\"soon\",\"user\":\"y\"}", "{\"ts\":1,"])
    }

    /// Issue 11 item 13: a timestamp field may be ISO 8601 text (the
    /// TimeText rule), as --from-time is; it used to be rejected.
    @Test func timestampFieldReadsISO8601AndMillisecondText() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", """
            {"ts":"2026-01-01T00:00:00Z"}
            {"ts":"2026-01-01T00:00:00.250+02:00"}
            {"ts":"2026-01-01T00:00:00"}
            {"ts":"1767225600001"}
            {"ts":"2026-01-01"}
            """)
        let (status, harness) = run(["path": .string(path), "timestamp_field": .string("ts")])
        #expect(status == SH_END)
        #expect(harness.fake.emitted.map(\.timestamp) == [
            1_767_225_600_000, 1_767_218_400_250, 1_767_225_600_000, 1_767_225_600_001,
        ])
        #expect(harness.fake.rejected.map(\.reason) == [
            "file source: \(path):5: timestamp field 'ts' is not a time: use \(JSONView.timeRule)",
        ])
    }

    @Test func keyFieldAloneKeepsProcessingTime() {
        let scratch = Scratch()
        let path = scratch.write("in.jsonl", "{\"k\":\"a\\\"b\"}\n{\"other\":1}\n")
        let (status, harness) = run(["path": .string(path), "key_field": .string("k")])
        #expect(status == SH_END)
        #expect(harness.fake.emitted.map(\.keyText) == ["a\"b", nil])
        #expect(harness.fake.emitted.map(\.timestamp) == [harness.fake.processingTime, harness.fake.processingTime])
    }

    // MARK: Errors

    @Test func missingFileIsAnErrorNamingPathAndReason() {
        let scratch = Scratch()
        let path = scratch.file("nope.jsonl")
        let harness = Harness(fileSource, config: ["path": .string(path)])
        #expect(harness.create() == SH_OK)
        #expect(harness.open() == SH_ERROR)
        #expect(harness.lastError == "file source: cannot open '\(path)': No such file or directory")
    }

    @Test func directoryIsAReadError() {
        let scratch = Scratch()
        let (status, harness) = run(["path": .string(scratch.path)])
        #expect(status == SH_ERROR)
        #expect(harness.lastError == "file source: cannot read '\(scratch.path)': Is a directory")
    }

    @Test func badConfigIsRefusedAtCreate() {
        let format = Harness(fileSource, config: ["path": .string("/x"), "format": .string("xml")])
        #expect(format.create() == SH_ERROR)
        #expect(format.lastError == "file source: format 'xml' is not supported: use \"jsonl\" or \"csv\"")
        let delimiter = Harness(fileSource, config: ["path": .string("/x"), "delimiter": .string(";;")])
        #expect(delimiter.create() == SH_ERROR)
        #expect(delimiter.lastError.contains("delimiter ';;' must be one ASCII character"))
        let noPath = Harness(fileSource, config: [:])
        #expect(noPath.create() == SH_ERROR)
        #expect(noPath.lastError == "config key 'path' is required but absent: add it to the step's config")
    }

    // MARK: csv

    func csv(_ text: String, _ extra: [String: ConfigValue] = [:]) -> (status: sh_status, harness: Harness, scratch: Scratch) {
        let scratch = Scratch()
        let path = scratch.write("in.csv", text)
        let (status, harness) = run(["path": .string(path), "format": .string("csv")].merging(extra) { $1 })
        return (status, harness, scratch)
    }

    @Test func csvQuotesHeaderAndTypes() {
        let (status, harness, _) = csv(
            "name,age,score,active,note\n"
                + "\"Smith, J\",42,3.5,true,\"said \"\"hi\"\"\"\n"
                + "Ann,007,-1e3,false,\n"
                + "\"multi\nline\",,\"\",TRUE,x\n")
        #expect(status == SH_END, "\(harness.lastError)")
        #expect(harness.fake.emittedValues == [
            #"{"name":"Smith, J","age":42,"score":3.5,"active":true,"note":"said \"hi\""}"#,
            #"{"name":"Ann","age":"007","score":-1e3,"active":false,"note":null}"#,
            #"{"name":"multi\nline","age":null,"score":"","active":"TRUE","note":"x"}"#,
        ])
    }

    @Test func csvWithoutTypeInference() {
        let (status, harness, _) = csv("a,b,c\n1,true,\n", ["infer_types": .bool(false)])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == [#"{"a":"1","b":"true","c":""}"#])
    }

    @Test func csvWithoutHeaderNamesFieldsByPosition() {
        let (status, harness, _) = csv("1,x\n2,y,extra\n3\n", ["header": .bool(false)])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == [
            #"{"c0":1,"c1":"x"}"#, #"{"c0":2,"c1":"y","c2":"extra"}"#, #"{"c0":3}"#,
        ])
    }

    @Test func csvCRLFBlankLinesOtherDelimitersAndNoFinalNewline() {
        let (status, harness, _) = csv("a;b\r\n\r\n1;\"x;y\"\r\n\"q\"\"\";2", ["delimiter": .string(";")])
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == [#"{"a":1,"b":"x;y"}"#, #"{"a":"q\"","b":2}"#])
        let (tabStatus, tabs, _) = csv("a\tb\n1\t2\n", ["delimiter": .string("\t")])
        #expect(tabStatus == SH_END)
        #expect(tabs.fake.emittedValues == [#"{"a":1,"b":2}"#])
    }

    @Test func csvHeaderNamesAreEscapedAndEmptyOnesNumbered() {
        let (status, harness, _) = csv("\"a\"\"b\",,c\\d\n1,2,3\n")
        #expect(status == SH_END)
        #expect(harness.fake.emittedValues == [#"{"a\"b":1,"c1":2,"c\\d":3}"#])
    }

    @Test func csvUnterminatedQuoteNamesTheLine() {
        let (status, harness, scratch) = csv("a,b\n\"x\ny\",1\n2,\"open\n3,4\n")
        #expect(status == SH_ERROR)
        #expect(harness.lastError == "file source: '\(scratch.file("in.csv"))': line 4: quoted field not terminated before the end of the file")
        // The rows before the broken one were emitted.
        #expect(harness.fake.emittedValues == [#"{"a":"x\ny","b":1}"#])
    }

    @Test func csvUnterminatedQuoteOnTheFirstLine() {
        let (status, harness, _) = csv("\"abc", ["header": .bool(false)])
        #expect(status == SH_ERROR)
        #expect(harness.lastError.hasSuffix("line 1: quoted field not terminated before the end of the file"))
    }

    @Test func csvIsReadByInstanceZeroOnly() {
        let scratch = Scratch()
        let path = scratch.write("in.csv", "a\n1\n2\n")
        let parts = readAll(path, parallelism: 3, extra: ["format": .string("csv")])
        #expect(parts == [[#"{"a":1}"#, #"{"a":2}"#], [], []])
        // The other instances do not even open the file.
        let (status, _) = run(["path": .string(scratch.file("missing.csv")), "format": .string("csv")], instance: 1, parallelism: 2)
        #expect(status == SH_END)
    }

    @Test func csvRowsAcrossReadBuffers() {
        let rows = (0..<30_000).map { index in
            (index, "line one \(index)\nline \"two\"" + String(repeating: "p", count: index % 60))
        }
        let text = "id,text\n" + rows.map { "\($0.0),\"" + $0.1.replacingOccurrences(of: "\"", with: "\"\"") + "\"\n" }.joined()
        let (status, harness, _) = csv(text)
        #expect(status == SH_END, "\(harness.lastError)")
        let expected = rows.map { row -> String in
            let escaped = row.1.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "{\"id\":\(row.0),\"text\":\"\(escaped)\"}"
        }
        #expect(firstDifference(harness.fake.emittedValues, expected) == nil)
    }

    @Test func csvTimestampAndKeyFields() {
        let (status, harness, _) = csv("ts,id,v\n1000,a1,x\n2000,7,y\n", [
            "timestamp_field": .string("ts"), "key_field": .string("id"),
        ])
        #expect(status == SH_END)
        #expect(harness.fake.emitted.map(\.timestamp) == [1000, 2000])
        #expect(harness.fake.emitted.map(\.keyText) == ["a1", "7"])
    }
}


/// Where two long lists first differ, or nil: a short failure message
/// instead of two printed lists of thousands of lines.
func firstDifference(_ actual: [String], _ expected: [String]) -> String? {
    for index in 0..<min(actual.count, expected.count) where actual[index] != expected[index] {
        return "at \(index): got \(actual[index].prefix(200)), expected \(expected[index].prefix(200))"
    }
    return actual.count == expected.count ? nil : "got \(actual.count) lines, expected \(expected.count)"
}
