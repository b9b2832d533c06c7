import Foundation
import Testing
import TestKit

/// The log commands while `streamhost serve` holds the data directory: they
/// find it through `<data>/server.json` and work over the Kafka protocol,
/// with the output of the direct path; the commands that cannot say so
/// naming the server.
@Suite struct ServeCLITests {
    @Test func logCommandsWorkThroughARunningServer() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-cli")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        let pid = server.process.processIdentifier

        // The discovery file names the port bound and the server's pid.
        let file = try #require(FileManager.default.contents(atPath: data + "/server.json"))
        let discovery = try #require(try JSONSerialization.jsonObject(with: file) as? [String: Any])
        #expect(discovery["port"] as? Int == server.port)
        #expect(discovery["pid"] as? Int == Int(pid))

        func cli(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
            try CLI.run(arguments + ["--data-dir", data], input: input, timeoutSeconds: 120)
        }
        var outcome = try cli(["topics", "create", "orders", "--partitions", "2"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput == "created topic orders with 2 partitions\n")
        outcome = try cli(["topics", "list"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").contains("orders"))

        let lines = (0..<20).map { "{\"id\":\($0),\"k\":\"key-\($0 % 5)\"}" }
        outcome = try cli(["produce", "orders", "--key", "k", "--batch-size", "3"], input: lines.joined(separator: "\n") + "\n")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("produced 20 records to orders"))

        outcome = try cli(["consume", "orders", "--from-beginning"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init).sorted() == lines.sorted())
        outcome = try cli(["consume", "orders", "--partition", "1", "--offset", "0", "--max", "2", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let json = outcome.standardOutput.split(separator: "\n")
        #expect(json.count == 2)
        #expect(json.first?.hasPrefix("{\"partition\":1,\"offset\":0,") == true)

        outcome = try cli(["consume", "orders", "--partition", "1", "--offset", "999"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("error: offset 999 is out of range for topic orders, partition 1: "),
            "\(outcome.standardError)")

        // A missing topic is reported as on the direct path (compared below).
        let missingTopic = try cli(["consume", "nope"])
        #expect(missingTopic.status == 1)

        // --follow prints a record another process produces while it waits.
        let followOutput = scratch.file("follow.out")
        _ = FileManager.default.createFile(atPath: followOutput, contents: nil)
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: BuildProducts.streamhost)
        follower.arguments = ["consume", "orders", "--follow", "--data-dir", data]
        follower.standardOutput = FileHandle(forWritingAtPath: followOutput)
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        // The follower starts at the end: each round produces a new record
        // until one shows up (the first may come before it has started).
        var seen = false
        let deadline = Date().addingTimeInterval(120)
        var round = 0
        while !seen && Date() < deadline && follower.isRunning {
            round += 1
            outcome = try cli(["produce", "orders"], input: "{\"late\":\(round)}\n")
            #expect(outcome.status == 0, "\(outcome.standardError)")
            for _ in 0..<50 where !seen {
                seen = CLI.lines(followOutput).contains { $0.hasPrefix("{\"late\":") }
                if !seen { usleep(20_000) }
            }
        }
        #expect(seen, "the follower printed no record produced while it followed")
        kill(follower.processIdentifier, SIGTERM)
        follower.waitUntilExit()
        #expect(follower.terminationStatus == 0)

        // --group starts at the group's commits and commits what it printed.
        outcome = try cli(["consume", "orders", "--partition", "0", "--from-beginning", "--group", "g1"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let partitionZero = outcome.standardOutput.split(separator: "\n").count
        #expect(partitionZero > 0)
        outcome = try cli(["consume", "orders", "--partition", "0", "--group", "g1"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty)
        outcome = try cli(["groups", "list"])
        #expect(outcome.standardOutput == "g1\n", "\(outcome.standardError)")
        outcome = try cli(["groups", "describe", "g1"])
        #expect(outcome.standardOutput == """
            group g1
              topic  partition  committed  end  lag
              orders  0  \(partitionZero)  \(partitionZero)  0

            """, "\(outcome.standardError)")

        // A command that does not work through the server names it.
        outcome = try cli(["topics", "compact", "orders"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("`streamhost serve` (pid \(pid), listening on 127.0.0.1:\(server.port))"))
        #expect(!outcome.standardError.contains("lock file"))

        outcome = try cli(["topics", "delete", "orders"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput == "deleted topic orders\n")

        // A clean stop removes the discovery file; the CLI opens the
        // directory directly again.
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: data + "/server.json"))
        outcome = try cli(["topics", "list"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(!outcome.standardOutput.contains("orders"))
        outcome = try cli(["consume", "nope"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.split(separator: "\n").filter { $0.hasPrefix("error:") }
            == missingTopic.standardError.split(separator: "\n"))
    }
}
