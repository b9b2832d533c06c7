import Foundation
import Testing
import TestKit

/// `streamhost topics describe|alter|compact|repair` while `streamhost
/// serve` holds the data directory: describe and alter go through the
/// server; compact and repair refuse, naming the server and what to do.
@Suite struct ServeTopicsCLITests {
    @Test func describeAndAlterGoThroughTheServerCompactAndRepairRefuse() throws {
        let scratch = try TemporaryDirectory(prefix: "serve-topics-cli")
        let data = scratch.file("data")
        let server = try ServeProcess(dataDir: data, scratch: scratch)
        let pid = server.process.processIdentifier
        func cli(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
            try CLI.run(arguments + ["--data-dir", data], input: input, timeoutSeconds: 120)
        }
        var outcome = try cli(["topics", "create", "orders", "--partitions", "2", "--config", "cleanup.policy=compact"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = (0..<10).map { "{\"id\":\($0),\"k\":\"key-\($0 % 3)\"}" }
        outcome = try cli(["produce", "orders", "--partition", "1", "--key", "k"], input: lines.joined(separator: "\n") + "\n")
        #expect(outcome.status == 0, "\(outcome.standardError)")

        outcome = try cli(["topics", "describe", "orders"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        var described = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(Array(described.prefix(3)) == [
            "topic orders: 2 partitions",
            "  partition 0: offsets 0..<0, last stable offset 0",
            "  partition 1: offsets 0..<10, last stable offset 10",
        ], "\(outcome.standardOutput)")
        #expect(described.contains("    cleanup.policy=compact"))
        #expect(described.last?.hasPrefix("  (through `streamhost serve` at 127.0.0.1:\(server.port)") == true)

        outcome = try cli(["topics", "alter", "orders", "--config", "retention.ms=60000", "--reset", "cleanup.policy"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput == "altered topic orders\n")
        outcome = try cli(["topics", "alter", "orders", "--partitions", "3"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput == "topic orders: added partitions 2 to 2 (3 partitions now)\n")
        // A bad value is the server's INVALID_CONFIG, with the log's reason.
        outcome = try cli(["topics", "alter", "orders", "--config", "flush.mode=sometimes"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("INVALID_CONFIG") && outcome.standardError.contains("flush.mode"),
            "\(outcome.standardError)")
        outcome = try cli(["topics", "describe", "nope"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("error: "), "\(outcome.standardError)")

        outcome = try cli(["topics", "describe", "orders"])
        described = outcome.standardOutput.split(separator: "\n").map(String.init)
        #expect(described.first == "topic orders: 3 partitions")
        #expect(described.contains("    retention.ms=60000"))
        #expect(described.contains("    cleanup.policy=delete"))
        let configsThroughServer = described.filter { $0.hasPrefix("    ") }

        // compact and repair: refused, naming the server and the way out.
        for arguments in [["topics", "compact", "orders"], ["topics", "repair", "orders", "--partition", "0"],
                          ["topics", "repair", "orders", "--partition", "0", "--dry-run"]] {
            outcome = try cli(arguments)
            #expect(outcome.status == 1, "\(arguments)")
            #expect(outcome.standardError.contains("`streamhost serve` (pid \(pid), listening on 127.0.0.1:\(server.port))"),
                "\(outcome.standardError)")
            #expect(outcome.standardError.contains("kill -TERM \(pid)"), "\(outcome.standardError)")
        }
        #expect(try cli(["topics", "compact", "orders"]).standardError.contains("compacts topics with cleanup.policy=compact itself"))

        // The direct path shows the same configs once the server is gone.
        #expect(server.stop() == 0)
        outcome = try cli(["topics", "describe", "orders"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.split(separator: "\n").map(String.init).filter { $0.hasPrefix("    ") && $0.contains("=") }
            == configsThroughServer)
    }
}
