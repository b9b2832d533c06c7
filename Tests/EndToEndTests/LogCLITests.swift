import Foundation
import Testing
import TestKit

/// The log through the CLI: topics, produce, consume, groups, recovery.
@Suite("Log CLI")
struct LogCLITests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "log-cli") }

    func log(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], input: input)
    }

    func orders(_ count: Int) -> [String] {
        (0..<count).map { #"{"id":\#($0),"customer":"c\#($0 % 37)","amount":\#($0 % 1000)}"# }
    }

    @Test func produceAndConsumeKeyedRecordsAcrossPartitions() throws {
        #expect(try log(["topics", "create", "orders", "--partitions", "3"]).status == 0)
        let lines = orders(5000)
        let produced = try log(["produce", "orders", "--key", "customer"], input: lines.joined(separator: "\n") + "\n")
        #expect(produced.status == 0, "\(produced.standardError)")
        #expect(produced.standardError.contains("produced 5000 records to orders"))

        let all = try log(["consume", "orders", "--from-beginning", "--format", "json"])
        #expect(all.status == 0, "\(all.standardError)")
        let records = all.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.count == 5000)
        #expect(Set(records.compactMap { $0["value"] as? String }) == Set(lines))
        // One customer, one partition; offsets per partition contiguous from 0.
        var partitionOfKey: [String: Int] = [:]
        var offsets: [Int: [Int]] = [:]
        for record in records {
            let key = record["key"] as! String
            let partition = record["partition"] as! Int
            #expect(partitionOfKey[key, default: partition] == partition)
            partitionOfKey[key] = partition
            offsets[partition, default: []].append(record["offset"] as! Int)
        }
        for (_, list) in offsets { #expect(list == Array(0..<list.count)) }
        #expect(offsets.count == 3)
    }

    @Test func groupsCommitAndReportLag() throws {
        #expect(try log(["topics", "create", "events"]).status == 0)
        #expect(try log(["produce", "events"], input: orders(100).joined(separator: "\n")).status == 0)
        let first = try log(["consume", "events", "--from-beginning", "--group", "audit", "--max", "40"])
        #expect(first.standardOutput.split(separator: "\n").count == 40)
        let lag = try log(["groups", "describe", "audit"])
        #expect(lag.standardOutput.contains("events  0  40  100  60"))
        let rest = try log(["consume", "events", "--group", "audit"])
        #expect(rest.standardOutput.split(separator: "\n").map(String.init) == Array(orders(100)[40...]))
        #expect(try log(["groups", "list"]).standardOutput == "audit\n")
    }

    @Test func badInputsGetClearErrors() throws {
        let config = try log(["topics", "create", "t", "--config", "retention.ms=soon"])
        #expect(config.status == 1)
        #expect(config.standardError.contains("retention.ms=soon"))
        #expect(try log(["topics", "create", "t"]).status == 0)
        let unknown = try log(["consume", "nope", "--from-beginning"])
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("unknown topic 'nope'"))
        #expect(try log(["produce", "t"], input: "{\"a\":1}\n{\"a\":2}\n").status == 0)
        let range = try log(["consume", "t", "--offset", "7"])
        #expect(range.status == 1)
        #expect(range.standardError.contains("offset 7 is out of range for topic t, partition 0"))
        let keyless = try log(["produce", "t", "--key", "id"], input: "{\"id\":1}\n{\"other\":2}\n")
        #expect(keyless.status == 1)
        #expect(keyless.standardError.contains("standard input, line 2: key field 'id' is missing; the 1 records before it were stored"))
    }

    @Test func aSecondHostOnTheSameDataDirectoryIsRefusedWithThePID() throws {
        #expect(try log(["topics", "create", "t"]).status == 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: BuildProducts.streamhost)
        // A writer: it holds the lock exclusively while it waits for input.
        holder.arguments = ["produce", "t", "--data-dir", data]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { try? input.fileHandleForWriting.close(); holder.terminate(); holder.waitUntilExit() }
        // Wait until the holder has the lock (its pid is in the lock file);
        // probing with another command could take the lock first.
        let pid = "\(holder.processIdentifier)"
        for _ in 0..<250 {
            let text = (try? String(contentsOfFile: data + "/lock", encoding: .utf8)) ?? ""
            if text.trimmingCharacters(in: .whitespacesAndNewlines) == pid { break }
            usleep(20_000)
        }
        let outcome = try log(["topics", "list"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("is in use by process \(pid)"))
    }

    @Test func aFlippedByteIsReportedWithFileAndOffsetAndRepairRemovesOnlyItsBatch() throws {
        #expect(try log(["topics", "create", "t", "--config", "segment.bytes=4096"]).status == 0)
        #expect(try log(["produce", "t", "--batch-size", "10"], input: orders(300).joined(separator: "\n")).status == 0)
        let partition = data + "/topics/t/0"
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: partition)
            .filter { $0.hasSuffix(".log") }.sorted().first)
        let path = partition + "/" + segment
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: path))

        let read = try log(["consume", "t", "--from-beginning"])
        #expect(read.status == 1)
        #expect(read.standardError.contains(segment))
        #expect(read.standardError.contains("topics repair"))
        let goodLines = read.standardOutput.split(separator: "\n").count
        #expect(goodLines > 0 && goodLines < 300)

        let repair = try log(["topics", "repair", "t", "--partition", "0"])
        #expect(repair.status == 0, "\(repair.standardError)")
        #expect(repair.standardOutput.contains("t partition 0: removed "), "\(repair.standardOutput)")
        #expect(repair.standardOutput.contains("the end offset stays 300"), "\(repair.standardOutput)")
        let after = try log(["consume", "t", "--from-beginning"])
        #expect(after.status == 0, "\(after.standardError)")
        // Only the damaged batch's ten records are gone; the rest, before
        // and after it, stay.
        let expected = Array(orders(300).prefix(goodLines)) + Array(orders(300).dropFirst(goodLines + 10))
        #expect(after.standardOutput.split(separator: "\n").map(String.init) == expected)
    }

    /// Issue 11, item 1, exactly as reported: a group committed offset 30, a
    /// byte flipped in the batch at offset 10, the partition repaired, 25
    /// records produced. The group must get all 25 (offsets are never
    /// reused), and the repair says beforehand whom it affects.
    @Test func aRepairNeverReusesOffsetsSoAGroupReadsEveryNewRecord() throws {
        #expect(try log(["topics", "create", "c"]).status == 0)
        #expect(try log(["produce", "c", "--batch-size", "10"], input: orders(30).joined(separator: "\n")).status == 0)
        let early = try log(["consume", "c", "--from-beginning", "--group", "early", "--max", "5"])
        #expect(early.status == 0, "\(early.standardError)")
        let late = try log(["consume", "c", "--from-beginning", "--group", "late"])
        #expect(late.standardOutput.split(separator: "\n").count == 30)
        let path = data + "/topics/c/0/00000000000000000000.log"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let batches = StorageLayout.batchPositions(bytes)
        #expect(batches.count == 3)
        bytes[batches[1] + 70] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))

        let dryRun = try log(["topics", "repair", "c", "--partition", "0", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "a dry run changed the segment")
        let plan = dryRun.standardOutput
        #expect(plan.contains("would remove"), "\(plan)")
        #expect(plan.contains("the records of offsets 10 to 19, 10 records by its header's count would be deleted"), "\(plan)")
        #expect(plan.contains("20 records, 10 of them after the damage"), "\(plan)")
        #expect(plan.contains("group early (committed offset 5): has not read offsets 10 to 19"), "\(plan)")
        #expect(plan.contains("group late (committed offset 30): has read past the damage"), "\(plan)")
        #expect(plan.contains("dry run: nothing was changed"), "\(plan)")

        let repair = try log(["topics", "repair", "c", "--partition", "0"])
        #expect(repair.status == 0, "\(repair.standardError)")
        #expect(repair.standardOutput.contains("the end offset stays 30"), "\(repair.standardOutput)")
        #expect(try log(["produce", "c"], input: orders(55).suffix(25).joined(separator: "\n")).status == 0)
        let describe = try log(["groups", "describe", "late"])
        #expect(describe.standardOutput.contains("c  0  30  55  25"), "\(describe.standardOutput)")
        let news = try log(["consume", "c", "--group", "late"])
        #expect(news.status == 0, "\(news.standardError)")
        #expect(news.standardOutput.split(separator: "\n").map(String.init) == Array(orders(55).suffix(25)))
        let rest = try log(["consume", "c", "--group", "early"])
        #expect(rest.standardOutput.split(separator: "\n").map(String.init)
            == Array(orders(10).dropFirst(5)) + Array(orders(30).dropFirst(20)) + Array(orders(55).suffix(25)))
    }

    /// Issue 11, item 2: a bit flip in the last complete batch is damage:
    /// `consume` reports it and leaves the file as it is; a writing command
    /// does not cut it either.
    @Test func aFlippedByteInTheLastBatchIsReportedAndNeverCut() throws {
        #expect(try log(["topics", "create", "t"]).status == 0)
        #expect(try log(["produce", "t", "--batch-size", "10"], input: orders(30).joined(separator: "\n")).status == 0)
        let path = data + "/topics/t/0/00000000000000000000.log"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let last = try #require(StorageLayout.batchPositions(bytes).last)
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let partition = data + "/topics/t/0"
        func files() throws -> [String: Data] {
            var result: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: partition) {
                result[name] = try Data(contentsOf: URL(fileURLWithPath: partition + "/" + name))
            }
            return result
        }
        let damaged = try files()

        for command in [["consume", "t", "--from-beginning"], ["topics", "describe", "t"], ["topics", "list"],
                        ["groups", "list"]] {
            let outcome = try log(command)
            #expect(!outcome.standardError.contains("torn tail"), "\(command): \(outcome.standardError)")
            #expect(try files() == damaged, "\(command) changed the partition")
        }
        let read = try log(["consume", "t", "--from-beginning"])
        #expect(read.status == 1)
        #expect(read.standardOutput.split(separator: "\n").count == 20)
        #expect(read.standardError.contains("corrupt batch in \(path) at byte position \(last) (offset 20)"),
                "\(read.standardError)")

        #expect(try log(["produce", "t"], input: orders(31).last! + "\n").status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(bytes.count) == bytes, "the damage was cut")
        let describe = try log(["topics", "describe", "t"])
        #expect(describe.standardOutput.contains("offsets 0..<31"), "\(describe.standardOutput)")
    }

    @Test func aTornTailIsLeftByConsumeAndCutByTheNextWriter() throws {
        #expect(try log(["topics", "create", "t"]).status == 0)
        #expect(try log(["produce", "t", "--batch-size", "10"], input: orders(100).joined(separator: "\n")).status == 0)
        let path = data + "/topics/t/0/00000000000000000000.log"
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 7)
        try handle.close()
        let read = try CLI.run(["consume", "t", "--from-beginning", "--data-dir", data],
                               environment: ["STREAMHOST_LOG_LEVEL": "info"])
        #expect(read.status == 0, "\(read.standardError)")
        #expect(read.standardOutput.split(separator: "\n").map(String.init) == Array(orders(90)))
        #expect(read.standardError.contains("torn tail in \(path)"))
        #expect(read.standardError.contains("left in place"))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 == size - 7)

        let write = try CLI.run(["produce", "t", "--data-dir", data], environment: ["STREAMHOST_LOG_LEVEL": "info"],
                                input: orders(91).last!)
        #expect(write.status == 0, "\(write.standardError)")
        #expect(write.standardError.contains("torn tail in \(path)"))
        #expect(write.standardError.contains(": cut "), "\(write.standardError)")
        let again = try log(["consume", "t", "--from-beginning"])
        #expect(again.standardOutput.split(separator: "\n").map(String.init) == Array(orders(90)) + [orders(91).last!])
    }

    /// Issue 11, item 9: commands that only read never create a data
    /// directory; they fail naming the path.
    @Test func readOnlyCommandsNeverCreateADataDirectory() throws {
        let typo = directory.file("dtaa")
        for command in [["topics", "list"], ["topics", "describe", "t"], ["consume", "t", "--from-beginning"],
                        ["groups", "list"], ["groups", "describe", "g"]] {
            let outcome = try CLI.run(command + ["--data-dir", typo])
            #expect(outcome.status == 1, "\(command)")
            #expect(outcome.standardError.contains("no data directory at \(typo)"), "\(command): \(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
    }

    /// Issue 11, item 10: `--offset` out of one partition's range is an error
    /// naming that partition and every partition's range.
    @Test func anOffsetOutOfOnePartitionsRangeNamesItAndTheRanges() throws {
        #expect(try log(["topics", "create", "c", "--partitions", "3"]).status == 0)
        for (partition, count) in [(0, 7), (1, 9), (2, 4)] {
            let lines = orders(count).joined(separator: "\n")
            #expect(try log(["produce", "c", "--partition", "\(partition)"], input: lines).status == 0)
        }
        let outcome = try log(["consume", "c", "--offset", "8"])
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError.contains("offset 8 is out of range for topic c, partition 0"), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("(offsets 0: 0..<7, 1: 0..<9, 2: 0..<4)"), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("give --partition N"), "\(outcome.standardError)")
        let one = try log(["consume", "c", "--offset", "8", "--partition", "1"])
        #expect(one.status == 0)
        #expect(one.standardOutput.split(separator: "\n").map(String.init) == [orders(9).last!])
    }

    /// Issue 11, item 16: a missing topic names `topics create`, and
    /// `topics alter --partitions` adds partitions, never removes them.
    @Test func missingTopicsNameTopicsCreateAndAlterAddsPartitions() throws {
        let missing = try log(["produce", "nope"], input: "{}\n")
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("streamhost topics create nope"), "\(missing.standardError)")
        let job = try directory.write("to-nowhere.yaml", """
            name: to-nowhere
            pipeline:
              - {id: gen, source: datagen, config: {count: 3}}
              - {id: out, sink: log, config: {topic: nowhere}}
            """)
        let sink = try log(["run", job])
        #expect(sink.status != 0)
        #expect(sink.standardError.contains("topic 'nowhere' does not exist; create it first with `streamhost "
            + "topics create nowhere"), "\(sink.standardError)")

        #expect(try log(["topics", "create", "t", "--partitions", "2"]).status == 0)
        #expect(try log(["produce", "t", "--partition", "1"], input: orders(3).joined(separator: "\n")).status == 0)
        let grow = try log(["topics", "alter", "t", "--partitions", "5"])
        #expect(grow.status == 0, "\(grow.standardError)")
        #expect(grow.standardOutput.contains("added partitions 2 to 4 (5 partitions now)"))
        let describe = try log(["topics", "describe", "t"])
        #expect(describe.standardOutput.contains("topic t: 5 partitions"))
        #expect(describe.standardOutput.contains("partition 1: offsets 0..<3"))
        #expect(try log(["produce", "t", "--partition", "4"], input: orders(2).joined(separator: "\n")).status == 0)
        let shrink = try log(["topics", "alter", "t", "--partitions", "3"])
        #expect(shrink.status == 1)
        #expect(shrink.standardError.contains("topic 't' has 5 partitions, so it cannot have 3"), "\(shrink.standardError)")
        let same = try log(["topics", "describe", "t"])
        #expect(same.standardOutput.contains("topic t: 5 partitions"))
        #expect(same.standardOutput.contains("partition 4: offsets 0..<2"))
    }

    /// A producer killed with SIGKILL at random moments, 20 times, each run
    /// resuming where the log ends: every acknowledged record is readable,
    /// offsets stay contiguous, nothing is duplicated.
    @Test func killedProducersLoseNothingAcknowledged() throws {
        #expect(try log(["topics", "create", "t", "--config", "segment.bytes=65536"]).status == 0)
        let all = orders(400_000)
        var generator = SystemRandomNumberGenerator()
        var stored = 0
        for round in 0..<20 {
            let input = try directory.write("in-\(round).jsonl", all[stored...].joined(separator: "\n") + "\n")
            let delay = Double.random(in: 0.05...0.4, using: &generator)
            let outcome = try ProcessRunner.run(
                BuildProducts.streamhost,
                ["produce", "t", "--file", input, "--batch-size", "50", "--print-acks", "--data-dir", data],
                environment: ["STREAMHOST_PLUGIN_PATH": ""], timeoutSeconds: 120, signalAfter: (SIGKILL, delay))
            let acknowledged = outcome.standardOutput.split(separator: "\n").last.flatMap { Int($0) } ?? 0
            let read = try log(["consume", "t", "--from-beginning"])
            #expect(read.status == 0, "round \(round): \(read.standardError)")
            let lines = read.standardOutput.split(separator: "\n").map(String.init)
            // Everything acknowledged in this round is there, as an exact prefix of the input.
            #expect(lines.count >= stored + acknowledged, "round \(round): \(lines.count) < \(stored) + \(acknowledged)")
            #expect(lines == Array(all.prefix(lines.count)), "round \(round): not the input's prefix")
            stored = lines.count
            if stored == all.count { break }
        }
        let json = try log(["consume", "t", "--from-beginning", "--format", "json"])
        let offsets = json.standardOutput.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["offset"] as? Int
        }
        #expect(offsets == Array(0..<offsets.count))
    }

    /// JSON lines of `consume --format json` as (offset, key, value).
    func records(_ output: String) -> [(offset: Int, key: String, value: String)] {
        output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let offset = object["offset"] as? Int, let key = object["key"] as? String,
                  let value = object["value"] as? String
            else { return nil }
            return (offset, key, value)
        }
    }

    @Test func topicsCompactKeepsTheLatestValuePerKeyAndGroupsReadOn() throws {
        let create = try log(["topics", "create", "profiles", "--config", "cleanup.policy=compact",
                              "--config", "segment.bytes=4096"])
        #expect(create.status == 0, "\(create.standardError)")
        // 2000 updates of 50 customers, 20 per batch: many segments.
        let lines = (0..<2000).map { #"{"customer":"c\#($0 % 50)","version":\#($0)}"# }
        let produced = try log(["produce", "profiles", "--key", "customer", "--batch-size", "20"],
                               input: lines.joined(separator: "\n") + "\n")
        #expect(produced.status == 0, "\(produced.standardError)")
        let first = try log(["consume", "profiles", "--from-beginning", "--group", "audit", "--max", "100"])
        #expect(first.standardOutput.split(separator: "\n").count == 100)

        let compact = try log(["topics", "compact", "profiles"])
        #expect(compact.status == 0, "\(compact.standardError)")
        #expect(compact.standardOutput.contains("profiles partition 0: "), "\(compact.standardOutput)")
        #expect(compact.standardOutput.contains("kept 50 of"), "\(compact.standardOutput)")

        let read = records(try log(["consume", "profiles", "--from-beginning", "--format", "json"]).standardOutput)
        #expect(read.count < 200, "\(read.count) records are left of 2000")
        #expect(read.map(\.offset) == read.map(\.offset).sorted() && Set(read.map(\.offset)).count == read.count)
        var latest: [String: String] = [:]
        for line in lines { latest[String(line.split(separator: "\"")[3])] = line }
        var lastRead: [String: String] = [:]
        for record in read { lastRead[record.key] = record.value }
        #expect(lastRead == latest, "every customer's latest version is there")

        // The group committed offset 100, which compaction removed: it reads on from the next record.
        let rest = records(try log(["consume", "profiles", "--group", "audit", "--format", "json"]).standardOutput)
        #expect(rest.map(\.offset) == read.map(\.offset).filter { $0 >= 100 })
        #expect(try log(["groups", "describe", "audit"]).standardOutput.contains("profiles  0  2000  2000  0"))

        // Compacting again finds nothing to drop; a delete topic is refused.
        let again = try log(["topics", "compact", "profiles"])
        #expect(again.status == 0)
        #expect(records(try log(["consume", "profiles", "--from-beginning", "--format", "json"]).standardOutput).map(\.offset)
            == read.map(\.offset))
        #expect(try log(["topics", "create", "events"]).status == 0)
        let refused = try log(["topics", "compact", "events"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("topic 'events' has cleanup.policy=delete"))
        let keyless = try log(["produce", "profiles"], input: "{\"a\":1}\n")
        #expect(keyless.status == 1)
        #expect(keyless.standardError.contains("has no key"), "\(keyless.standardError)")
    }

    /// `topics compact` killed with SIGKILL at random moments: each time the
    /// topic then reads exactly as before compaction or exactly as after it.
    @Test func killedCompactionsLeaveTheOldOrTheNewRecords() throws {
        let original = directory.file("original")
        func run(_ arguments: [String], _ dataDirectory: String, input: String? = nil) throws -> ProcessOutcome {
            try CLI.run(arguments + ["--data-dir", dataDirectory], input: input)
        }
        #expect(try run(["topics", "create", "p", "--config", "cleanup.policy=compact", "--config", "segment.bytes=262144",
                         "--config", "flush.mode=never"], original).status == 0)
        let lines = (0..<60_000).map { #"{"customer":"c\#($0 % 2000)","version":\#($0),"pad":"xxxxxxxxxxxxxxxxxxxxxxxx"}"# }
        let input = try directory.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(try run(["produce", "p", "--key", "customer", "--batch-size", "200", "--file", input], original).status == 0)
        let before = try run(["consume", "p", "--from-beginning"], original).standardOutput

        let reference = directory.file("reference")
        try FileManager.default.copyItem(atPath: original, toPath: reference)
        let started = Date()
        #expect(try run(["topics", "compact", "p"], reference).status == 0)
        let duration = Date().timeIntervalSince(started)
        let after = try run(["consume", "p", "--from-beginning"], reference).standardOutput
        #expect(after != before)

        var generator = SystemRandomNumberGenerator()
        for round in 0..<12 {
            let trial = directory.file("trial-\(round)")
            try FileManager.default.copyItem(atPath: original, toPath: trial)
            _ = try ProcessRunner.run(
                BuildProducts.streamhost, ["topics", "compact", "p", "--data-dir", trial],
                environment: ["STREAMHOST_PLUGIN_PATH": ""], timeoutSeconds: 120,
                signalAfter: (SIGKILL, Double.random(in: 0...duration, using: &generator)))
            // A command that writes completes or discards the pass;
            // `consume` only reads, so it leaves the files as they are.
            #expect(try run(["produce", "p"], trial, input: "").status == 0)
            let read = try run(["consume", "p", "--from-beginning"], trial)
            #expect(read.status == 0, "round \(round): \(read.standardError)")
            let state = read.standardOutput == before ? "old" : read.standardOutput == after ? "new" : "mixed"
            #expect(state != "mixed", "round \(round): the records are neither the old nor the new ones")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: trial + "/topics/p/0")
                .filter { $0.hasSuffix(".cleaned") || $0.hasPrefix("compaction.swap") }
            #expect(leftovers.isEmpty, "round \(round): \(leftovers)")
        }
    }

    @Test func aRelativeDataDirectoryWorks() throws {
        let created = try CLI.run(["topics", "create", "t", "--data-dir", "relative-data"], in: directory.path)
        #expect(created.status == 0, "\(created.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.file("relative-data/topics/t/config.json")))
        let listed = try CLI.run(["topics", "list", "--data-dir", "relative-data"], in: directory.path)
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput == "t\n")
        // A command that only reads does not make the default directory.
        let missing = try CLI.run(["topics", "list"], in: directory.path)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("no data directory at streamhost-data"), "\(missing.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("streamhost-data")))
    }
}

/// Where the batches of a segment file start (from their length fields).
enum StorageLayout {
    static func batchPositions(_ bytes: Data) -> [Int] {
        let bytes = [UInt8](bytes)
        var positions: [Int] = []
        var cursor = 0
        while cursor + 12 <= bytes.count {
            positions.append(cursor)
            let length = Int(bytes[cursor + 8]) << 24 | Int(bytes[cursor + 9]) << 16
                | Int(bytes[cursor + 10]) << 8 | Int(bytes[cursor + 11])
            cursor += 12 + length
        }
        return positions
    }
}
