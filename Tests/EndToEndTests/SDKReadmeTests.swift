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

        // "Start in ten minutes": its job.yaml as written, run where the
        // plugin and in.jsonl are, as the README's commands do.
        let yamlStart = try #require(readme.range(of: "```yaml\n"))
        let yamlEnd = try #require(readme.range(of: "```", range: yamlStart.upperBound..<readme.endIndex))
        let job = String(readme[yamlStart.upperBound..<yamlEnd.lowerBound])
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("  ") ? String($0.dropFirst(2)) : String($0) }.joined(separator: "\n")
        #expect(job.contains("operator: uppercase"), "\(job)")
        try directory.write("job.yaml", job)
        try directory.write("in.jsonl", "{\"name\":\"ada\"}\n{\"name\":\"Grace Hopper\"}\n")
        let run = try CLI.run(["run", "job.yaml", "--plugin", "./libuppercase.so"], in: directory.path)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(CLI.lines(directory.file("out.jsonl")) == ["{\"NAME\":\"ADA\"}", "{\"NAME\":\"GRACE HOPPER\"}"])
        #expect(readme.contains("printf '{\"name\":\"ada\"}\\n' > in.jsonl"))
    }
}
