import Foundation
import Testing
import TestKit

/// Issue 11 item 11: a `--plugin` that provides one component of a
/// multi-component built-in plugin replaces that component only.
@Suite("Plugin replacement per component")
struct PluginReplacementTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "replace") }

    /// The fixture provides only `filter` (keeping every record); the job
    /// also uses the built-in `map`. It used to be refused as a duplicate.
    @Test func aPluginWithOnlyFilterReplacesTheBuiltinFilterAndKeepsMap() throws {
        let plugin = try CPluginBuilder.fixture("only_filter", into: directory)
        let output = directory.file("out.jsonl")
        let job = try directory.write("replace.yaml", """
            name: replace
            pipeline:
              - {id: gen, source: datagen, config: {count: 20, seed: 5}}
              - {id: none, operator: filter, config: {where: "amount < 0"}}
              - {id: tag, operator: map, config: {set: {tagged: "true"}}}
              - {id: out, sink: file, config: {path: "\(output)"}}
            """)
        func isTheLine(_ text: Substring) -> Bool {
            text.hasPrefix("note: replaced built-in operator 'filter' (/")
                && text.hasSuffix("/libstreamhost-expressions.so) with \(plugin)")
        }

        let validated = try CLI.run(["validate", "--plugin", plugin, job])
        #expect(validated.status == 0, "\(validated.standardError)")
        let validateLines = validated.standardError.split(separator: "\n")
        #expect(validateLines.count == 1 && validateLines.allSatisfy(isTheLine), "\(validated.standardError)")

        let run = try CLI.run(["run", "--plugin", plugin, job])
        #expect(run.status == 0, "\(run.standardError)")
        let notes = run.standardError.split(separator: "\n").filter { $0.hasPrefix("note: ") }
        #expect(notes.count == 1 && notes.allSatisfy(isTheLine), "\(run.standardError)")
        // The fixture's filter kept all 20 (the built-in one would keep none);
        // the built-in map still ran.
        let lines = CLI.lines(output)
        #expect(lines.count == 20)
        #expect(lines.allSatisfy { $0.contains("\"tagged\":true") }, "\(lines.first ?? "")")
    }
}
