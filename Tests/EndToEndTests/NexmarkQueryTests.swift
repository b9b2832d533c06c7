import Foundation
import Testing
import TestKit

/// Every supported Nexmark query (`NexmarkExpected.supported`) run by
/// `streamhost sql` from its text in the Nexmark folder (never copied into
/// the repository) and compared with Flink's rows over the same events
/// (examples/nexmark/expected/, `ResultComparison.compare`).
///
/// The script is what the Nexmark runner runs: ddl_gen.sql, ddl_views.sql
/// and the query, with the runner's placeholders filled in with the fixed
/// dataset's figures. The generator table keeps its `nexmark` connector,
/// whose options then are those of examples/nexmark/dataset.yaml (100,000
/// events at 100 per second of event time; seed and base time the
/// defaults), so the source makes the very events Flink read from the
/// dataset's file. Only the query's blackhole sink becomes a filesystem
/// one to compare its rows, and q14's `count_char`, a Java class in
/// Nexmark, is declared from a C library with the same rule
/// (examples/nexmark/count_char.c, built here with cc).
@Suite("Nexmark queries against Flink", .serialized,
       .enabled(if: NexmarkFiles.available, Comment(rawValue: NexmarkFiles.skipReason)))
struct NexmarkQueryTests {
    /// The queries that do not give Flink's rows yet, with what blocks
    /// each (docs/SQL.md has the table). Each still runs, inside
    /// `withKnownIssue`: its failure is recorded as known, and the test
    /// fails once the query passes, so that it leaves this list.
    static let knownFailures: [String: String] = [:]

    /// A file's text with the runner's placeholders filled in with the
    /// fixed dataset's figures (examples/nexmark/dataset.yaml).
    static func text(_ name: String) throws -> String {
        try NexmarkFiles.text(name, tps: 100, events: 100_000)
    }

    /// The queries with windows and joins on the generator table's event
    /// time, also run from the dataset's file: there `dateTime` is the
    /// computed column of ddl_gen.sql, which the host computes at the
    /// source (`watermarks.timestamp`), as Flink did for the committed rows.
    static let fileQueries = ["q5", "q7", "q8", "q11"]

    /// The fixed dataset's file, written into `directory` by
    /// make-dataset.sh; the committed rows came from it when its sha256 is
    /// the committed one.
    static func dataset(in directory: TemporaryDirectory) throws -> String {
        let file = directory.file("nexmark-100k.jsonl")
        let outcome = try ProcessRunner.run(
            "bash", [BuildProducts.packageRoot + "/examples/nexmark/make-dataset.sh", file],
            environment: ["STREAMHOST": BuildProducts.streamhost, "STREAMHOST_PLUGIN_PATH": ""], timeoutSeconds: 600)
        try #require(outcome.status == 0, "make-dataset.sh: \(outcome.standardError)")
        let committed = try NexmarkExpected.datasetSHA256()
        try #require(outcome.standardOutput.hasPrefix(committed + " "),
                     "the dataset is not the one Flink's rows came from: \(outcome.standardOutput)")
        return file
    }

    /// The script of `query`, its rows written to `output` (JSON lines);
    /// with `dataset`, the generator table reads that file instead
    /// (`filesystem`, `json`: Flink's setup for the committed rows).
    static func script(_ query: String, output: String, countChar: String, dataset: String? = nil) throws -> String {
        var text = try Self.text("\(query).sql")
        // The sink table's WITH (...), up to its closing ");".
        let table = try #require(text.range(of: "CREATE TABLE nexmark_\(query)"))
        let start = try #require(text.range(of: ") WITH (", range: table.upperBound..<text.endIndex))
        let end = try #require(text.range(of: ");", range: start.upperBound..<text.endIndex))
        text = String(text[..<start.lowerBound]) + ") WITH ('connector' = 'filesystem', 'path' = '\(output)', 'format' = 'json');"
            + String(text[end.upperBound...])
        let javaClass = "'com.github.nexmark.flink.udf.CountChar'"
        if text.contains("CREATE FUNCTION count_char") {
            #expect(text.contains(javaClass), "\(query).sql declares count_char otherwise than as \(javaClass)")
            text = text.replacingOccurrences(of: javaClass, with: "'nexmark_count_char' LANGUAGE C USING LIBRARY '\(countChar)'")
        }
        var generator = try Self.text("ddl_gen.sql")
        if let dataset {
            let with = try #require(generator.range(of: ") WITH ("))
            let end = try #require(generator.range(of: ");", range: with.upperBound..<generator.endIndex))
            generator = String(generator[..<with.lowerBound])
                + ") WITH ('connector' = 'filesystem', 'path' = '\(dataset)', 'format' = 'json');" + String(generator[end.upperBound...])
        }
        return try generator + "\n" + Self.text("ddl_views.sql") + "\n" + text
    }

    /// Runs `query` (from `dataset`, else the generator) and returns how
    /// its rows differ from Flink's (nil: the same).
    static func mismatch(_ query: String, dataset: String? = nil) throws -> String? {
        let directory = try TemporaryDirectory(prefix: "nexmark-\(query)")
        let library = directory.file("libcountchar.so")
        try CPluginBuilder.build(source: BuildProducts.packageRoot + "/examples/nexmark/count_char.c", output: library)
        let file = try directory.write("\(query).sql", script(query, output: "out.jsonl", countChar: library, dataset: dataset))
        let outcome = try CLI.run(["sql", file, "--data-dir", directory.file("data"), "--no-progress"], in: directory.path,
                                  timeoutSeconds: 900)
        guard outcome.status == 0 else { return "streamhost sql \(query).sql failed (\(outcome.status)): \(outcome.standardError)" }
        // Flink drops no event: every one is stamped and read.
        let summary = outcome.standardOutput + outcome.standardError
        if let rejected = summary.firstMatch(of: #/[1-9][0-9]* rejected/#) {
            return "\(query): \(rejected.output) records went to the dead letters: \(summary.suffix(2000))"
        }
        guard NexmarkExpected.queries.contains(query) else { return "no Flink rows are committed for \(query)" }
        var actual = CLI.lines(directory.file("out.jsonl"))
        if query == "q12" { actual = bidCountsByBidder(actual) }
        return try ResultComparison.compare(actual: actual, expected: NexmarkExpected.rows(query)).map { "\(query): \($0)" }
    }

    /// q12's rows as its expected file holds them (processing-time windows
    /// differ from run to run): per bidder, bid_count summed over its windows.
    static func bidCountsByBidder(_ lines: [String]) -> [String] {
        var totals: [Int64: Int64] = [:]
        for line in lines {
            let row = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            let bidder = (row["bidder"] as? NSNumber)?.int64Value ?? Int64.min
            totals[bidder, default: 0] += (row["bid_count"] as? NSNumber)?.int64Value ?? 0
        }
        return totals.map { #"{"bidder":\#($0.key),"bid_count":\#($0.value)}"# }
    }

    @Test(arguments: NexmarkExpected.supported)
    func givesFlinksRows(_ query: String) throws {
        if let reason = Self.knownFailures[query] {
            withKnownIssue(Comment(rawValue: reason)) {
                let mismatch = try Self.mismatch(query)
                #expect(mismatch == nil, "\(mismatch ?? "")")
            }
        } else {
            let mismatch = try Self.mismatch(query)
            #expect(mismatch == nil, "\(mismatch ?? "")")
        }
    }

    /// From the dataset's file, the windows and joins on the computed
    /// `dateTime` give Flink's rows: the committed rows are Flink's from
    /// this very file.
    @Test(arguments: fileQueries)
    func givesFlinksRowsFromTheFile(_ query: String) throws {
        let directory = try TemporaryDirectory(prefix: "nexmark-dataset")
        let dataset = try Self.dataset(in: directory)
        let mismatch = try Self.mismatch(query, dataset: dataset)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    /// q5's job file as `--explain` prints it runs by `streamhost run` to
    /// Flink's rows: the cascading window aggregation (MaxBids) and the
    /// join after it need nothing the job file does not say.
    @Test func q5sExplainedJobFileRunsToFlinksRows() throws {
        let directory = try TemporaryDirectory(prefix: "nexmark-q5-explain")
        let file = try directory.write("q5.sql", Self.script("q5", output: "out.jsonl", countChar: "unused.so"))
        let explained = try CLI.run(["sql", "--explain", file], in: directory.path)
        #expect(explained.status == 0, "\(explained.standardError)")
        let job = try directory.write("q5.yaml", explained.standardOutput)
        let ran = try CLI.run(["run", job, "--data-dir", directory.file("data"), "--no-progress"], in: directory.path,
                              timeoutSeconds: 900)
        #expect(ran.status == 0, "\(ran.standardError)")
        let mismatch = try ResultComparison.compare(actual: CLI.lines(directory.file("out.jsonl")), expected: NexmarkExpected.rows("q5"))
        #expect(mismatch == nil, "\(mismatch.map { "\($0)" } ?? "")")
    }

    /// The generator table's connector clause, filled in, asks the nexmark
    /// source for the fixed dataset's events: dataset.yaml's options, the
    /// rest (seed, base time, sizes, hot ratios) left at the defaults
    /// dataset.yaml leaves them at.
    @Test func theGeneratorTableReadsTheDatasetsEvents() throws {
        let directory = try TemporaryDirectory(prefix: "nexmark-explain")
        let file = try directory.write("q0.sql", Self.script("q0", output: "out.jsonl", countChar: "unused.so"))
        let outcome = try CLI.run(["sql", "--explain", file], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let source = try #require(outcome.standardOutput.split(separator: "\n").first { $0.contains(#"source: "nexmark""#) },
                                  "no nexmark source in \(outcome.standardOutput)")
        let dataset = try String(contentsOfFile: BuildProducts.packageRoot + "/examples/nexmark/dataset.yaml", encoding: .utf8)
        #expect(dataset.contains("events: {num: 100000}") && dataset.contains("first-event: {rate: 100}") && dataset.contains("seed: 42"))
        let rest = outcome.standardOutput[source.endIndex...]
        let config = rest.range(of: "\n  - ").map { rest[..<$0.lowerBound] } ?? rest
        for option in [#""events": {"num": 100000}"#, #""first-event": {"rate": 100}"#, #""next-event": {"rate": 100}"#,
                       #""person": {"proportion": 1}"#, #""auction": {"proportion": 3}"#, #""bid": {"proportion": 46}"#] {
            #expect(config.contains(option), "\(config)")
        }
        // The seed (42) and the base time: the plugin's defaults, dataset.yaml's too.
        #expect(!config.contains("seed") && !config.contains("base-time"), "\(config)")
    }
}
