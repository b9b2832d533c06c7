import SQL
import Testing
import TestKit

/// Mutants of the Nexmark files and of the construct corpus: each parses,
/// or is a `SQLError` that names the file and a place inside the text;
/// nothing crashes or runs away. A mutant that parses also round-trips
/// through the printer.
@Suite struct SQLFuzzTests {
    static let iterations = 2_000
    static let seed: UInt64 = 0x5EED_5_0_1
    static let file = "fuzz.sql"

    static let tokens: [[UInt8]] = [
        "(", ")", ",", ";", ".", "*", "'", "`", "--", "/*", "*/", "=>", "||", "<>", "[", "]", "<", ">", " SELECT ", " FROM ",
        " WHERE ", " GROUP BY ", " HAVING ", " JOIN ", " ON ", " AS ", " AND ", " OR ", " NOT ", " IN ", " IS NULL ",
        " BETWEEN ", " LIKE ", " CASE ", " WHEN ", " THEN ", " ELSE ", " END ", " CAST(", " INTERVAL '5' SECOND ",
        " TABLE ", " DESCRIPTOR(", " TUMBLE(", " OVER (", " FILTER (WHERE ", " UNION ALL ", " ROW<", " ARRAY<", " MAP<",
        " WATERMARK FOR ", " PRIMARY KEY ", " NOT ENFORCED ", " WITH (", " EXISTS (", " DISTINCT ", "\n", "\t", "$", "\"",
        "99999999999999999999", "1e400", " TO SECOND ", " METADATA ", " VIRTUAL ",
    ].map { Array($0.utf8) }

    static func seeds() throws -> [String] {
        let nexmark = try NexmarkFiles.files.map { try NexmarkFiles.text($0) }
        return nexmark + SQLCorpus.statements
    }

    /// What is wrong with the outcome of parsing `text`, if anything.
    static func problem(_ text: String) -> String? {
        let script: SQLScript
        do {
            script = try SQLParser.parse(text, file: file)
        } catch {
            guard error.file == file else { return "an error that names \(error.file): \(error)" }
            guard !error.message.isEmpty else { return "an error without a message: \(error)" }
            // Lines end at each line feed, also in "\r\n" (one Character, two scalars).
            let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            guard error.line >= 1, error.line <= lines.count, error.column >= 1,
                  error.column <= lines[error.line - 1].count + 1 else {
                return "an error outside the text: \(error)"
            }
            return nil
        }
        let printed = SQLPrinter.print(script)
        do {
            let reparsed = try SQLParser.parse(printed, file: file)
            return shape(reparsed) == shape(script) ? nil : "the printed text parses to another tree:\n\(printed)"
        } catch {
            return "the printed text does not parse: \(error)\n\(printed)"
        }
    }

    @Test(.timeLimit(.minutes(10))) func mutantsParseOrNameTheirPlace() throws {
        let seeds = try Self.seeds()
        for seed in seeds { #expect(Self.problem(seed) == nil) }
        var fuzzer = MutationFuzzer(
            seed: Self.seed, seeds: seeds.map { Array($0.utf8) }, edits: MutationFuzzer.textEdits,
            interestingBytes: MutationFuzzer.textBytes + Array("()`'*;<>=!|$_".utf8), tokens: Self.tokens)
        var parsed = 0
        var failures: [String] = []
        for iteration in 0..<MutationFuzzer.iterations(Self.iterations) {
            let text = String(decoding: fuzzer.next(), as: UTF8.self)
            guard let problem = Self.problem(text) else {
                if (try? SQLParser.parse(text, file: Self.file)) != nil { parsed += 1 }
                continue
            }
            if failures.count < 10 {
                failures.append("seed \(fuzzer.seed) iteration \(iteration): \(problem)\n" + MutationFuzzer.describe(Array(text.utf8)))
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // Some mutants (in comments, in strings, names changed) still parse.
        #expect(parsed > 0)
    }
}
