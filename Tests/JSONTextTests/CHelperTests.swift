import Foundation
import JSONText
import Testing
import TestKit

/// SDK/include/streamhost_json.h, the C plugins' JSON helper, compiled with
/// the system compiler as a plugin author would, checked on its own
/// (CHelper/json_helper_check.c --self-test) and against the Swift readers
/// on the shared corpus.
@Suite(.serialized) struct CHelperTests {
    static func build() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "json-helper")
        let program = directory.file("json_helper_check")
        let outcome = try ProcessRunner.run(
            "cc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", BuildProducts.sdkInclude, "-o", program,
                   BuildProducts.packageRoot + "/Tests/JSONTextTests/CHelper/json_helper_check.c"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return (directory, program)
    }

    @Test func lookupsAndConversions() throws {
        let (directory, program) = try Self.build()
        _ = directory
        let outcome = try ProcessRunner.run(program, ["--self-test"])
        #expect(outcome.status == 0, "\(outcome.standardOutput)")
    }

    /// sh_json_validate and sh_json_find agree with JSONScanner's on every
    /// corpus case.
    @Test func agreesWithTheSwiftReadersOnTheCorpus() throws {
        let (directory, program) = try Self.build()
        _ = directory
        let corpus = JSONStrictnessTests.corpus
        let root = BuildProducts.packageRoot + "/Tests/JSONTextTests/Corpus/"
        let outcome = try ProcessRunner.run(program, corpus.map { root + $0.name + ".json" })
        #expect(outcome.status == 0)
        let lines = outcome.standardOutput.split(separator: "\n")
        try #require(lines.count == corpus.count)
        let path = try JSONFieldPath("absent")
        for (item, line) in zip(corpus, lines) {
            let (validated, lookup) = item.bytes.withUnsafeBytes { text in
                ((try? JSONScanner.validate(text)) != nil, JSONScanner.find(path, in: text))
            }
            let lookupStatus = switch lookup {
            case .found: 0
            case .missing: 1
            case .notAnObject: 2
            case .malformed: 3
            }
            #expect(line == "\(validated ? 0 : 3) \(lookupStatus)", "\(item.name)")
        }
    }
}
