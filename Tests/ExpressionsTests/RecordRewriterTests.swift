import Expressions
import Testing

@Suite("Record rewriting and projection")
struct RecordRewriterTests {
    /// Sets `targets` (dotted) to the JSON texts `values` in `record`.
    func rewrite(_ record: String, _ targets: [String: String], order: [String]) throws -> String {
        let rewriter = try RecordRewriter(targets: order.map { $0.split(separator: ".").map(String.init) })
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for target in order {
            let start = bytes.count
            bytes.append(contentsOf: targets[target]!.utf8)
            ranges.append(start..<bytes.count)
        }
        var output: [UInt8] = []
        var record = record
        try record.withUTF8 { text in
            try ranges.withUnsafeBufferPointer { ranges in
                try bytes.withUnsafeBytes { values in
                    try rewriter.rewrite(UnsafeRawBufferPointer(text), values: ranges, valueBytes: values, into: &output)
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func replacesInPlaceAndAppendsInOrder() throws {
        #expect(try rewrite(#"{"a":1,"b":"x"}"#, ["b": "2", "c": "3", "d": "4"], order: ["b", "c", "d"])
            == #"{"a":1,"b":2,"c":3,"d":4}"#)
        #expect(try rewrite(#"{}"#, ["a": "1"], order: ["a"]) == #"{"a":1}"#)
        #expect(try rewrite(#" { } "#, ["a": "1"], order: ["a"]) == #" { "a":1} "#)
        #expect(try rewrite(#"{"a":1,"a":2}"#, ["a": "9"], order: ["a"]) == #"{"a":9,"a":9}"#)
        #expect(try rewrite(#"{"p":{"q":[1,{"r":2}]},"s":3}"#, ["p.q": "null"], order: ["p.q"]) == #"{"p":{"q":null},"s":3}"#)
        #expect(try rewrite(#"{"x":1}"#, ["p.q.r": "true"], order: ["p.q.r"]) == #"{"x":1,"p":{"q":{"r":true}}}"#)
        #expect(try rewrite(#"{"n\u0061me":"a"}"#, ["name": "\"b\""], order: ["name"]) == #"{"n\u0061me":"b"}"#)
    }

    @Test func refusesBadTargetsAndRecords() throws {
        #expect(throws: RecordRewriter.InvalidTargets.self) { try RecordRewriter(targets: [["a"], ["a", "b"]]) }
        #expect(throws: RecordRewriter.InvalidTargets.self) { try RecordRewriter(targets: [["a", "b"], ["a"]]) }
        #expect(throws: RecordRewriter.InvalidTargets.self) { try RecordRewriter(targets: [["a"], ["a"]]) }
        #expect(throws: ExpressionRuntimeError.self) { try rewrite(#"[1]"#, ["a": "1"], order: ["a"]) }
        #expect(throws: ExpressionRuntimeError.self) { try rewrite(#"{"a":1,}"#, ["a": "1"], order: ["a"]) }
        #expect(throws: ExpressionRuntimeError.self) { try rewrite(#"{"a":[1]}"#, ["a.b": "1"], order: ["a.b"]) }
    }

    func project(_ record: String, keep: [String] = [], drop: [String] = [], rename: [(String, String)] = []) throws -> String {
        let projection = try RecordProjection(keep: keep, drop: drop, rename: rename.map { (from: $0.0, to: $0.1) })
        var output: [UInt8] = []
        var record = record
        try record.withUTF8 { try projection.project(UnsafeRawBufferPointer($0), into: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    @Test func projects() throws {
        #expect(try project(#"{"a":1, "b" : [2], "c":3}"#, keep: ["c", "a"]) == #"{"a":1,"c":3}"#)
        #expect(try project(#"{"a":1,"b":2}"#, drop: ["a", "zz"]) == #"{"b":2}"#)
        #expect(try project(#"{"a":1,"b":2}"#, rename: [("a", "x y")]) == #"{"x y":1,"b":2}"#)
        #expect(try project(#"{}"#, keep: ["a"]) == #"{}"#)
        #expect(throws: ExpressionRuntimeError.self) { try project(#"{"a":1,"b":2}"#, rename: [("a", "b")]) }
        #expect(throws: ExpressionRuntimeError.self) { try project(#""text""#, drop: ["a"]) }
        #expect(throws: RecordProjection.InvalidProjection.self) { try project("{}", keep: ["a"], rename: [("b", "c")]) }
        #expect(throws: RecordProjection.InvalidProjection.self) { try project("{}", rename: [("a", "c"), ("b", "c")]) }
    }
}

@Suite("Top-level splicing from located fields")
struct TopLevelSpliceTests {
    /// Sets top-level `targets` through the program's located ranges and
    /// through the full walk; both must agree.
    func bothWays(_ record: String, _ targets: [(String, String)]) throws -> String {
        let rewriter = try RecordRewriter(targets: targets.map { [$0.0] })
        let program = try ExpressionProgram([], locating: targets.map { FieldPath([.member($0.0)]) })
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (_, value) in targets {
            let start = bytes.count
            bytes.append(contentsOf: value.utf8)
            ranges.append(start..<bytes.count)
        }
        var fast: [UInt8] = []
        var slow: [UInt8] = []
        var record = record
        try record.withUTF8 { text in
            let raw = UnsafeRawBufferPointer(text)
            try program.load(record: raw, timestamp: 0)
            let found = targets.indices.map { program.location(of: $0)?.range }
            #expect(targets.indices.allSatisfy { program.location(of: $0)?.repeated != true })
            found.withUnsafeBufferPointer { found in
                ranges.withUnsafeBufferPointer { ranges in
                    bytes.withUnsafeBytes { values in
                        rewriter.rewriteTopLevel(raw, found: found, values: ranges, valueBytes: values, into: &fast)
                    }
                }
            }
            try ranges.withUnsafeBufferPointer { ranges in
                try bytes.withUnsafeBytes { values in
                    try rewriter.rewrite(raw, values: ranges, valueBytes: values, into: &slow)
                }
            }
        }
        #expect(fast == slow, "\(String(decoding: fast, as: UTF8.self)) vs \(String(decoding: slow, as: UTF8.self))")
        return String(decoding: fast, as: UTF8.self)
    }

    @Test func agreesWithTheFullWalk() throws {
        #expect(try bothWays(#"{"a":1,"b":"x"}"#, [("b", "2"), ("a", "3"), ("c", "4")]) == #"{"a":3,"b":2,"c":4}"#)
        #expect(try bothWays(#" { } "#, [("a", "1"), ("b", "2")]) == #" { "a":1,"b":2} "#)
        #expect(try bothWays(#"{"z":{"a":1}}  "#, [("a", "true")]) == #"{"z":{"a":1},"a":true}  "#)
        #expect(try bothWays(#"{"a":[1,2] ,"q":null}"#, [("q", "null"), ("a", "[]")]) == #"{"a":[] ,"q":null}"#)
    }

    @Test func repeatedMembersAreReported() throws {
        let program = try ExpressionProgram([], locating: [FieldPath([.member("a")])])
        var record = #"{"a":1,"a":2}"#
        try record.withUTF8 { try program.load(record: UnsafeRawBufferPointer($0), timestamp: 0) }
        #expect(program.location(of: 0)?.repeated == true)
    }
}
