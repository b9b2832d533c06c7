import Core
import Foundation
import JSONText
import StreamhostKit
import Testing
import TestKit

/// A bounded mutation fuzzer over the JSON readers, run with every test run
/// (and so by .ci/run): `iterations` mutants of the committed corpus
/// (Tests/JSONTextTests/Corpus), from a fixed seed so that a failure
/// reproduces, each read by every reader; the readers must not crash and
/// must agree as docs/ARCHITECTURE.md ("JSON") says. A mutant that breaks
/// an invariant is printed in the failure; add it to the corpus as a case.
@Suite(.serialized) struct JSONFuzzTests {
    static let iterations = 20_000
    static let seed: UInt64 = 0x5EED_0012
    /// Mutants also handed to the C helper (one cc build, one process).
    static let cHelperMutants = 2_000

    /// Tokens that sit on the edges of the rule.
    static let interestingTokens: [[UInt8]] = [
        #"\ud800"#, #"\udc00"#, #"\ud83d\ude00"#, #"\u00"#, "1e400", "-1e-400", "-0", "01", "1.", "[[[[", "]]]]",
        #"{"a":"#, #""a":1,"#, "true", "nul", #"\""#, "\u{FEFF}", "é", "😀",
    ].map { Array($0.utf8) } + [[0xEF, 0xBB, 0xBF], [0xED, 0xA0, 0x80], [0xC0, 0xAF]]

    static var seeds: [[UInt8]] {
        JSONStrictnessTests.corpus.map(\.bytes) + [
            #"{"order_id":1000001,"customer_id":42,"category":"books","amount":12.50,"event_time":1700000000017}"#,
            #"{"customer":{"id":7,"tier":"gold"},"tags":["a","b\n"],"n":null,"ok":true,"x":-0.5e-3}"#,
        ].map { Array($0.utf8) }
    }

    static func fuzzer(seed: UInt64) -> MutationFuzzer {
        MutationFuzzer(
            seed: seed, seeds: seeds, edits: MutationFuzzer.textEdits, interestingBytes: MutationFuzzer.textBytes,
            tokens: interestingTokens)
    }

    /// What the Swift readers make of one text.
    struct Reading {
        let validation: JSONSyntaxError?
        let treeParser: JSONParseError?
        let kitView: Bool
        let lookup: JSONFieldLookup
    }

    static func read(_ bytes: [UInt8]) -> Reading {
        let path = try! JSONFieldPath("absent")
        return bytes.withUnsafeBytes { text in
            var validation: JSONSyntaxError?
            do throws(JSONSyntaxError) {
                _ = try JSONScanner.validate(text)
            } catch {
                validation = error
            }
            var treeParser: JSONParseError?
            do throws(JSONParseError) {
                _ = try JSONValue.parse(bytes: text)
            } catch {
                treeParser = error
            }
            return Reading(
                validation: validation, treeParser: treeParser, kitView: (try? JSONView(parsing: text)) != nil,
                lookup: JSONScanner.find(path, in: text))
        }
    }

    /// The invariants between the readers; the problems found, in words.
    static func disagreements(_ reading: Reading) -> [String] {
        var problems: [String] = []
        let valid = reading.validation == nil
        if reading.kitView != valid { problems.append("the kit's view and validation disagree") }
        if reading.treeParser == nil && !valid { problems.append("the parser accepts what validation refuses") }
        if let parse = reading.treeParser, valid, !parse.message.contains("duplicate key") {
            problems.append("validation accepts what the parser refuses: \(parse.message)")
        }
        switch reading.lookup {
        case .malformed where valid:
            problems.append("a lookup refuses a valid text")
        case .missing where !valid && reading.validation?.message != "unexpected text after the value":
            problems.append("a lookup walked the object and missed \(reading.validation!.message)")
        case .found:
            problems.append("a lookup found \"absent\"")
        default:
            break
        }
        return problems
    }

    @Test func mutantsOfTheCorpusReadTheSameEverywhere() throws {
        try #require(Self.seeds.count > 100)
        var fuzzer = Self.fuzzer(seed: Self.seed)
        let iterations = MutationFuzzer.iterations(Self.iterations)
        var accepted = 0
        var failures: [String] = []
        for _ in 0..<iterations {
            let mutant = fuzzer.next()
            let reading = Self.read(mutant)
            if reading.validation == nil { accepted += 1 }
            let problems = Self.disagreements(reading)
            if !problems.isEmpty && failures.count < 10 {
                failures.append("seed \(fuzzer.seed): \(MutationFuzzer.describe(mutant)): \(problems.joined(separator: "; "))")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The mutants reach both sides of the rule (about 5 % stay valid).
        #expect(accepted > iterations / 50 && accepted < iterations * 19 / 20, "\(accepted) accepted")
    }

    /// sh_json_validate and sh_json_find agree with JSONScanner on mutants.
    @Test func theCHelperReadsMutantsAsTheScannerDoes() throws {
        let (directory, program) = try CHelperTests.build()
        var fuzzer = Self.fuzzer(seed: Self.seed ^ 0xC)
        var mutants: [[UInt8]] = []
        var files: [String] = []
        for index in 0..<MutationFuzzer.iterations(Self.cHelperMutants) {
            let mutant = fuzzer.next()
            let file = directory.file("mutant-\(index).json")
            try Data(mutant).write(to: URL(fileURLWithPath: file))
            mutants.append(mutant)
            files.append(file)
        }
        let outcome = try ProcessRunner.run(program, files)
        #expect(outcome.status == 0)
        let lines = outcome.standardOutput.split(separator: "\n")
        try #require(lines.count == mutants.count)
        var failures: [String] = []
        for (mutant, line) in zip(mutants, lines) {
            let reading = Self.read(mutant)
            let lookupStatus = switch reading.lookup {
            case .found: 0
            case .missing: 1
            case .notAnObject: 2
            case .malformed: 3
            }
            let expected = "\(reading.validation == nil ? 0 : 3) \(lookupStatus)"
            if line != expected && failures.count < 10 {
                failures.append("seed \(fuzzer.seed): \(MutationFuzzer.describe(mutant)): C says \(line), Swift \(expected)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
