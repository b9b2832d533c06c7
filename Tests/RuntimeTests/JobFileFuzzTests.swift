import Foundation
import Testing
import TestKit
@testable import Runtime

/// Mutants of job files and of `--set` overrides: each parses, or is a
/// `JobFileError` that names the file and the place (a line or a field);
/// nothing crashes or runs away.
@Suite struct JobFileFuzzTests {
    static let iterations = 1_500
    static let seed: UInt64 = 0x5EED_70B5
    static let file = "fuzz/job.yaml"

    /// Every field group of the reader, in block and flow style.
    static let jobs = [
        """
        name: every-field
        parallelism: 2
        max_parallelism: 64
        batch_size: 512
        channel_capacity: 4
        dead_letter: dead.jsonl
        state: {backend: rocksdb}
        isolation: process
        checkpoints:
          interval_ms: 1000
          timeout_ms: 5000
          retained: 2
          restart: {strategy: exponential_backoff, attempts: 3, initial_delay_ms: 10, max_delay_ms: 100, multiplier: 2.5}
        functions:
          - {name: f, library: ./libf.so, symbol: f_v, signature: "double(double,int64)", vectorized: true}
        pipeline:
          - id: gen
            source: datagen
            config: {count: 10, rate: 1.5e3, nested: {list: [1, "two", null, true]}}
            watermarks: {strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 2000}
          - id: by-key
            key_by: customer.id
          - id: sum
            operator: window
            inputs: [by-key]
            config:
              kind: tumbling
              size_ms: 1000
              aggregates:
                - {fn: sum, field: amount}
          - id: out
            sink: file
            parallelism: 1
            config: {path: out.jsonl}
        """,
        "name: a\npipeline:\n  - {id: s, source: d}\n  - {id: t, sink: y, inputs: [s]}\n",
        "name: \"q.\\u0041-_9\" # x\npipeline: [{id: s, source: d, config: &c {a: 1}}, {id: t, sink: y, config: *c}]\n",
    ]

    /// The example job files, committed beside the examples.
    static var exampleJobs: [String] {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples").standardized
        let directories = (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []
        return directories.sorted().flatMap { directory in
            let folder = examples.appendingPathComponent(directory)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().compactMap {
                try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
            }
        }
    }

    static let overrides = [
        "gen.count=500", "gen.nested.list=[1, 2]", "parallelism=3", "out.parallelism=1", "name=other",
        "max_parallelism=8", "gen.config={a: {b: c}}", "dead_letter=none",
    ]

    static let tokens: [[UInt8]] = [
        "\n  - ", "\n    ", ": ", "- ", "{", "}", "[", "]", ", ", "&a ", "*a", "!!int ", "!!str ", "? ", "|\n  ",
        "'", "\"", "#", "---\n", "...", "~", "-1", "0", "99999999999999999999", "1e400", ".inf", ".nan", "0x10",
        "id: ", "source: ", "operator: ", "sink: ", "inputs: ", "key_by: ", "config: ", "parallelism: ", "\t",
    ].map { Array($0.utf8) }

    static func fuzzer(seed: UInt64, seeds: [String]) -> MutationFuzzer {
        MutationFuzzer(
            seed: seed, seeds: seeds.map { Array($0.utf8) }, edits: MutationFuzzer.textEdits,
            interestingBytes: MutationFuzzer.textBytes + Array("&*!|>%@`'?-".utf8), tokens: tokens)
    }

    /// Whether the text parsed, and what is wrong with the outcome.
    static func outcome(text: String, overrides: [String]) -> (parsed: Bool, problem: String?) {
        do {
            _ = try JobFileParser.parse(text: text, file: file, overrides: overrides)
            return (true, nil)
        } catch {
            guard error.file == file else { return (false, "an error that names \(error.file), not the file: \(error)") }
            guard !error.message.isEmpty else { return (false, "an error without a message: \(error)") }
            guard error.line != nil || !(error.field ?? "").isEmpty || error.message == "the job file is empty" else {
                return (false, "an error that names no line and no field: \(error)")
            }
            return (false, nil)
        }
    }

    @Test(.timeLimit(.minutes(10))) func mutantsParseOrNameTheirPlace() throws {
        let examples = Self.exampleJobs
        try #require(examples.count >= 5, "the examples' job files were not found")
        let seeds = Self.jobs + examples
        for seed in Self.jobs {
            #expect(throws: Never.self) { try JobFileParser.parse(text: seed, file: Self.file) }
        }
        var jobs = Self.fuzzer(seed: Self.seed, seeds: seeds)
        var overrides = Self.fuzzer(seed: Self.seed ^ 0x5E7, seeds: Self.overrides)
        var parsed = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            // One in three mutants has a mutated override as well.
            let (text, override): (String, [String]) = if iteration % 3 == 0 {
                (seeds[jobs.below(seeds.count)], [String(decoding: overrides.next(), as: UTF8.self)])
            } else {
                (String(decoding: jobs.next(), as: UTF8.self), [])
            }
            let outcome = Self.outcome(text: text, overrides: override)
            if outcome.parsed { parsed += 1 }
            if let problem = outcome.problem, failures.count < 10 {
                failures.append("seed \(jobs.seed) iteration \(iteration): \(problem)\n  overrides: \(override)\n"
                    + MutationFuzzer.describe(Array(text.utf8)))
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(parsed > 0)
    }

    static func error(parsing text: String) -> JobFileError? {
        do {
            _ = try JobFileParser.parse(text: text, file: file)
            return nil
        } catch {
            return error
        }
    }

    /// Found by the fuzzer: YAML's reader errors (a control character, bad
    /// UTF-8) named no line; the offset they carry is now one.
    @Test func aControlCharacterIsRefusedWithItsLineAndColumn() throws {
        let error = try #require(Self.error(parsing: "name: a\npipeline:\n  - {id: s, source: d\u{1}}\n"))
        #expect(error == JobFileError(
            file: Self.file, location: SourceLocation(line: 3, column: 22), field: nil,
            message: "not valid YAML: control characters are not allowed"))
    }

    /// Not found by the mutants (they do not nest aliases) but by asking
    /// the same property, bounded work, of YAML's aliases: eight lines of
    /// aliases of aliases expand to 8^8 values, and reading them took
    /// longer than a minute (seven lines: 39 s and 700 MB). The expansion
    /// is now counted, with a bound, before anything reads it.
    @Test(.timeLimit(.minutes(1))) func aliasesThatExpandExponentiallyAreRefused() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x]"]
        for level in 1..<8 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 8).joined(separator: ", ") + "]")
        }
        let text = "name: bomb\npipeline:\n  - id: gen\n    source: datagen\n    config:\n"
            + lines.map { "      " + $0 }.joined(separator: "\n") + "\n  - {id: out, sink: blackhole}\n"
        let error = try #require(Self.error(parsing: text))
        #expect(error.line == 1)
        #expect(error.message.hasPrefix("the job file expands to more than \(JobLimits.yamlNodesMax) YAML values"))
        // One alias used a few times is fine.
        #expect(Self.error(parsing: Self.jobs[2]) == nil)
    }

    /// Found by the fuzzer: a key written twice in one mapping named no
    /// line (and quoted the whole file as its context).
    @Test func aKeyWrittenTwiceIsRefusedWithItsLine() throws {
        let error = try #require(Self.error(parsing: "name: a\npipeline:\n  - {id: s, source: d, id: t}\n"))
        #expect(error.line == 3)
        #expect(error.message == "not valid YAML: 'id' appears more than once in one mapping")
    }
}
