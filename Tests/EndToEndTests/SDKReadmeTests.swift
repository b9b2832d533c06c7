import Foundation
import Testing
import TestKit

/// The minimal plugin in SDK/README.md compiles with plain cc, loads, and
/// does what the README says.
@Suite("SDK README")
struct SDKReadmeTests {
    @Test func theMinimalCPluginBuildsLoadsAndRuns() throws {
        let directory = try TemporaryDirectory(prefix: "sdk-readme")
        let readme = try String(contentsOfFile: BuildProducts.packageRoot + "/SDK/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```c\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let source = try directory.write("uppercase.c", String(readme[start.upperBound..<end.lowerBound]))
        let library = directory.file("libuppercase.so")
        try CPluginBuilder.build(source: source, output: library, extraFlags: ["-Werror"])

        let inspect = try CLI.run(["plugin", "inspect", library])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("operator uppercase: upper-cases ASCII letters in values"))

        let input = try directory.write("in.jsonl", "{\"name\":\"ada\"}\n{\"name\":\"Grace Hopper\"}\n")
        let job = try directory.write("job.yaml", """
            name: upper
            pipeline:
              - {id: in, source: file, config: {path: "\(input)"}}
              - {id: up, operator: uppercase}
              - {id: out, sink: file, config: {path: "\(directory.file("out.jsonl"))"}}
            """)
        let run = try CLI.run(["run", job, "--plugin", library])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == ["{\"NAME\":\"ADA\"}", "{\"NAME\":\"GRACE HOPPER\"}"])
    }
}
